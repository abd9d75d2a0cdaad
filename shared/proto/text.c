#include "text.h"

#include "msg.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Decodes one UTF-8 sequence at s (n bytes left). Returns its length and the
 * code point, or 0 for an invalid, overlong or surrogate sequence. */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *out_cp)
{
	uint32_t cp;
	size_t len;
	if (s[0] < 0x80) {
		*out_cp = s[0];
		return 1;
	} else if ((s[0] & 0xE0) == 0xC0) {
		cp = s[0] & 0x1Fu;
		len = 2;
	} else if ((s[0] & 0xF0) == 0xE0) {
		cp = s[0] & 0x0Fu;
		len = 3;
	} else if ((s[0] & 0xF8) == 0xF0) {
		cp = s[0] & 0x07u;
		len = 4;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3Fu);
	}
	static const uint32_t min_of_len[5] = {0, 0, 0x80, 0x800, 0x10000};
	if (cp < min_of_len[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	*out_cp = cp;
	return len;
}

/* Characters that change how the text around them reads without being
 * seen themselves. */
static bool invisible(uint32_t cp)
{
	return cp == 0x00AD ||                    /* soft hyphen */
	       cp == 0x034F ||                    /* combining grapheme joiner */
	       cp == 0x061C ||                    /* Arabic letter mark */
	       cp == 0x115F || cp == 0x1160 ||    /* Hangul fillers */
	       cp == 0x180E ||                    /* Mongolian vowel separator */
	       (cp >= 0x200B && cp <= 0x200F) ||  /* zero-width space..RLM */
	       (cp >= 0x2028 && cp <= 0x202E) ||  /* separators, bidi embeddings, overrides */
	       (cp >= 0x2060 && cp <= 0x206F) ||  /* word joiner, bidi isolates, deprecated */
	       cp == 0x3164 || cp == 0xFFA0 ||    /* Hangul fillers */
	       cp == 0xFEFF ||                    /* zero-width no-break space */
	       (cp >= 0xFFF0 && cp <= 0xFFFB) ||  /* specials, interlinear annotation */
	       (cp >= 0xFE00 && cp <= 0xFE0F) ||  /* variation selectors */
	       cp == 0x2800 ||                    /* braille blank */
	       (cp >= 0x1D173 && cp <= 0x1D17A) || /* musical formatting */
	       (cp >= 0xE0000 && cp <= 0xE0FFF);  /* tags, variation selectors supplement */
}

/* Spaces other than the plain one: they look like it, or like nothing. */
static bool odd_space(uint32_t cp)
{
	return cp == 0x00A0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F ||
	       cp == 0x205F || cp == 0x3000;
}

/* Ends in " (2)": what the roster shows for people who share a name. */
static bool looks_numbered(const char *s, size_t n)
{
	if (n < 4 || s[n - 1] != ')')
		return false;
	size_t i = n - 2;
	while (i > 0 && s[i] >= '0' && s[i] <= '9')
		i--;
	return i != n - 2 && i >= 1 && s[i] == '(' && s[i - 1] == ' ';
}

bool proto_name_check(const char *s, char *why, size_t why_size)
{
	if (!proto_text_check(s, PROTO_NAME_MAX - 1, "the display name", why, why_size))
		return false;
	if (looks_numbered(s, strlen(s))) {
		snprintf(why, why_size,
			 "the display name ends like the number the roster gives to a shared name");
		return false;
	}
	return true;
}

bool proto_text_check(const char *s, size_t max_bytes, const char *what, char *why,
		      size_t why_size)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	if (n == 0) {
		snprintf(why, why_size, "%s is empty", what);
		return false;
	}
	if (n > max_bytes) {
		snprintf(why, why_size, "%s is %zu bytes long; at most %zu are allowed", what, n,
			 max_bytes);
		return false;
	}
	if (p[0] == ' ' || p[n - 1] == ' ') {
		snprintf(why, why_size, "%s starts or ends with a space", what);
		return false;
	}
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t len = utf8_next(p + i, n - i, &cp);
		if (!len) {
			snprintf(why, why_size, "%s is not valid UTF-8 (byte %zu)", what, i + 1);
			return false;
		}
		if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0)) {
			snprintf(why, why_size, "%s holds a control character (U+%04X)", what, cp);
			return false;
		}
		if (i == 0 && cp >= 0x0300 && cp <= 0x036F) {
			snprintf(why, why_size, "%s starts with a combining mark (U+%04X)", what, cp);
			return false;
		}
		if (odd_space(cp)) {
			snprintf(why, why_size, "%s holds a space other than the plain one (U+%04X)",
				 what, cp);
			return false;
		}
		if (invisible(cp)) {
			snprintf(why, why_size,
				 "%s holds an invisible or direction-changing character (U+%04X)", what,
				 cp);
			return false;
		}
		i += len;
	}
	return true;
}

bool proto_room_name_check(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > PROTO_NAME_MAX - 1)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  c == '.' || c == '_' || c == '-';
		if (!ok)
			return false;
	}
	return true;
}

const char *proto_log_quote(char *out, size_t size, const char *s)
{
	if (size < 6) {
		if (size)
			out[0] = '\0';
		return out;
	}
	size_t o = 0;
	out[o++] = '"';
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		char esc[5];
		size_t len;
		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			len = 2;
		} else if (*p < 0x20 || *p == 0x7F) {
			snprintf(esc, sizeof(esc), "\\x%02X", *p);
			len = 4;
		} else {
			esc[0] = (char)*p;
			len = 1;
		}
		if (o + len > size - 5) { /* keep room for ..., the quote and the NUL */
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		memcpy(out + o, esc, len);
		o += len;
	}
	out[o++] = '"';
	out[o] = '\0';
	return out;
}

/* cut, moved back to the start of the UTF-8 character it falls in. */
static size_t char_start(const char *s, size_t cut)
{
	while (cut && ((unsigned char)s[cut] & 0xC0) == 0x80)
		cut--;
	return cut;
}

const char *proto_text_clip(char *out, size_t size, const char *s)
{
	if (!size)
		return out;
	size_t n = strlen(s);
	if (n < size) {
		memcpy(out, s, n + 1);
		return out;
	}
	if (size < 8) { /* no room for "...": whole characters only */
		size_t cut = char_start(s, size - 1);
		memcpy(out, s, cut);
		out[cut] = '\0';
		return out;
	}
	size_t cut = size - 4; /* "..." and the NUL */
	size_t word = cut;
	while (word > size * 3 / 4 && s[word] != ' ')
		word--;
	cut = s[word] == ' ' ? word : char_start(s, cut);
	while (cut && s[cut - 1] == ' ')
		cut--;
	memcpy(out, s, cut);
	memcpy(out + cut, "...", 4);
	return out;
}
