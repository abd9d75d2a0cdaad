/**
 * @file text.h
 * @brief Checks for text that people type and others see: display names,
 * room names, and quoting of such text in log lines.
 *
 * A display name is shown on labels and in rosters of rooms full of minors,
 * so it must read as what it is: valid UTF-8, no control characters, no
 * bidirectional overrides (which can make "Ms Smith" out of other bytes),
 * no zero-width or invisible characters, no leading or trailing space, and
 * at most PROTO_NAME_MAX - 1 bytes.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/** True when s (NUL-terminated) is an acceptable display name; otherwise
 * false with a sentence in why saying what is wrong. */
bool proto_name_check(const char *s, char *why, size_t why_size);

/** The same checks for other text people read (a kick reason): 1 to
 * max_bytes bytes, no leading or trailing space. */
bool proto_text_check(const char *s, size_t max_bytes, const char *what, char *why,
		      size_t why_size);

/** True when s is an acceptable room or zone name: 1..31 bytes of
 * [A-Za-z0-9._-]. */
bool proto_room_name_check(const char *s);

/**
 * Writes s into out as a double-quoted log field: '"' and '\\' are escaped
 * and every control byte (and DEL) becomes \xNN, so text a peer chose can
 * never end a log field or start a line of its own. Cut (with "...") to
 * fit. Returns out.
 */
const char *proto_log_quote(char *out, size_t size, const char *s);

/**
 * Copies s into out (size bytes) for people to read: whole when it fits,
 * else cut after the last whole word that leaves room for "..." (or, with
 * no space in the last quarter, at a character boundary, so UTF-8 is never
 * split) and "..." added; under 8 bytes, cut at a character boundary with
 * no "...". Returns out.
 */
const char *proto_text_clip(char *out, size_t size, const char *s);

/** Room for a quoted name: every byte escaped, the quotes and the NUL. */
#define PROTO_QUOTED_MAX (4 * 64 + 3)
