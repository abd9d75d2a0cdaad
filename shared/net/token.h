/**
 * @file token.h
 * @brief Signed join tokens: who may join which room in which role.
 *
 * An instructor's machine holds an Ed25519 secret key and mints tokens; the
 * server holds only the public key and verifies them. A token also carries the
 * public half of the server's static X25519 key, under the signature, so the
 * client learns which server its token was made for and can authenticate it
 * in the key exchange; the server's key files live here too. libsodium is seen
 * only by token.c. The text form travels in HELLO (PROTO_TOKEN_MAX bytes) and is
 * what people copy and paste, so it is plain ASCII with no padding.
 *
 * Decoding is strict: the text is untrusted bytes, read only within len and
 * never assumed NUL-terminated; a wrong prefix, any surrounding whitespace,
 * bad base64, a field out of range or a byte left over is MALFORMED.
 * Nothing here keeps state between calls: every function is reentrant.
 */
#pragma once

#include "core/core.h"
#include "proto/msg.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Token, text form: "lyt1." + base64url (no padding) of body + signature.
 * Body, little-endian:
 *   u8 version (1) | u8 role (enum proto_role)
 *   | i64 issued_at | i64 expires_at   (unix seconds, 0 <= issued < expires)
 *   | u8[16] token_id                  (random, names the token in logs)
 *   | u8[32] server_key                (the server's X25519 public key; not all zero)
 *   | u8 len | user   (1..64, [A-Za-z0-9._@-]: stable across reconnects)
 *   | u8 len | name   (1..31, no NUL: the server checks the characters)
 *   | u8 len | room   (1..31, [A-Za-z0-9._-])
 * then u8[64] Ed25519 signature (detached) over the body.
 */
#define NET_TOKEN_VERSION 1
#define NET_TOKEN_PREFIX "lyt1."
#define NET_TOKEN_PREFIX_LEN 5
#define NET_TOKEN_ID_BYTES 16
#define NET_TOKEN_SIG_BYTES 64
#define NET_SERVER_KEY_BYTES 32
#define NET_TOKEN_USER_MAX 65 /* 64 bytes + NUL */
#define NET_TOKEN_BODY_FIXED (1 + 1 + 8 + 8 + NET_TOKEN_ID_BYTES + NET_SERVER_KEY_BYTES)
#define NET_TOKEN_BODY_MIN (NET_TOKEN_BODY_FIXED + 3 * 2)
#define NET_TOKEN_BODY_MAX                                                                  \
	(NET_TOKEN_BODY_FIXED + 1 + (NET_TOKEN_USER_MAX - 1) + 1 + (PROTO_NAME_MAX - 1) + 1 +  \
	 (PROTO_NAME_MAX - 1))
#define NET_TOKEN_BINARY_MAX (NET_TOKEN_BODY_MAX + NET_TOKEN_SIG_BYTES)
/** The longest token text plus its NUL: base64 without padding is ceil(4n/3). */
#define NET_TOKEN_TEXT_MAX (NET_TOKEN_PREFIX_LEN + (4 * NET_TOKEN_BINARY_MAX + 2) / 3 + 1)
_Static_assert(NET_TOKEN_TEXT_MAX <= PROTO_TOKEN_MAX, "a token must fit in HELLO");

#define NET_TOKEN_PUBLIC_BYTES 32
#define NET_TOKEN_SECRET_BYTES 64
/** Key files hold one line: "<word> <standard base64 of the key>". */
#define NET_TOKEN_PUBLIC_WORD "lyceum-token-public-v1"
#define NET_TOKEN_SECRET_WORD "lyceum-token-secret-v1"
#define NET_SERVER_PUBLIC_WORD "lyceum-server-public-v1"
#define NET_SERVER_SECRET_WORD "lyceum-server-secret-v1"
/** Largest key file read: a key file is one short line. */
#define NET_TOKEN_KEY_FILE_MAX 4096

struct net_token {
	uint8_t version;
	uint8_t role; /* enum proto_role */
	int64_t issued_at;
	int64_t expires_at;
	uint8_t id[NET_TOKEN_ID_BYTES];
	uint8_t server_key[NET_SERVER_KEY_BYTES]; /* X25519 public key; all zero is invalid */
	char user[NET_TOKEN_USER_MAX];
	char name[PROTO_NAME_MAX];
	char room[PROTO_NAME_MAX];
};

enum net_token_error {
	NET_TOKEN_OK = 0,
	NET_TOKEN_MALFORMED,
	NET_TOKEN_BAD_SIGNATURE,
	NET_TOKEN_EXPIRED,
	NET_TOKEN_NOT_YET_VALID,
};

/** Clock skew tolerated on issued_at when verifying. */
#define NET_TOKEN_SKEW_S 60

/** A sentence a user can act on, e.g. "the join token has expired; ask for a new one". */
const char *net_token_error_text(enum net_token_error e);

/** Field checks, the same ones mint and decode apply. Each takes a C string. */
bool net_token_user_valid(const char *user);
bool net_token_name_valid(const char *name);
bool net_token_room_valid(const char *room);

/** A fresh random token id. CORE_ERR_INVALID if libsodium cannot start. */
enum core_result net_token_new_id(uint8_t out_id[NET_TOKEN_ID_BYTES]) CORE_MUST_CHECK;

/** A new Ed25519 key pair. */
enum core_result net_token_keygen(uint8_t out_pk[NET_TOKEN_PUBLIC_BYTES],
				  uint8_t out_sk[NET_TOKEN_SECRET_BYTES]) CORE_MUST_CHECK;

/**
 * Writes a key file, logging any failure. secret: mode 0600 and an existing
 * file is never replaced (CORE_ERR_REFUSED); a public key file is replaced.
 */
enum core_result net_token_key_write(const char *path, const uint8_t *key,
				     bool secret) CORE_MUST_CHECK;

/**
 * Reads a key file (a regular file of at most NET_TOKEN_KEY_FILE_MAX bytes;
 * surrounding whitespace allowed). On failure err names the file, what is
 * wrong and what to do; nothing is logged. A key of all zero bytes is
 * refused, and a secret key is also checked against the public half it
 * carries.
 */
enum core_result net_token_key_read(const char *path, uint8_t *out_key, bool secret, char *err,
				    size_t err_size) CORE_MUST_CHECK;

/** The same for the key line itself given as text (e.g. from an environment variable). */
enum core_result net_token_key_parse(const char *text, uint8_t *out_key, bool secret, char *err,
				     size_t err_size) CORE_MUST_CHECK;

/**
 * Signs t (version must be NET_TOKEN_VERSION; the caller fills id, see
 * net_token_new_id, and server_key, see net_server_key_read) into out as
 * text with its NUL. Returns the text length, or 0 when a field is invalid
 * (an all-zero server_key included) or cap is too small.
 */
size_t net_token_mint(const struct net_token *t, const uint8_t sk[NET_TOKEN_SECRET_BYTES],
		      char *out, size_t cap);

/**
 * Structure only, no signature or time check: for showing a token to a
 * person. out is written only on NET_TOKEN_OK.
 */
enum net_token_error net_token_decode(const char *text, size_t len,
				      struct net_token *out) CORE_MUST_CHECK;

/**
 * decode + signature + time window: valid while
 * issued_at - NET_TOKEN_SKEW_S <= now_unix < expires_at. The signature is
 * checked before the time, so EXPIRED and NOT_YET_VALID mean a genuine token.
 * out is written only on NET_TOKEN_OK.
 */
enum net_token_error net_token_verify(const char *text, size_t len,
				      const uint8_t pk[NET_TOKEN_PUBLIC_BYTES], int64_t now_unix,
				      struct net_token *out) CORE_MUST_CHECK;

/*
 * The server's static X25519 key pair. Its files use the token key files'
 * format and rules ("<word> <standard base64>", words NET_SERVER_PUBLIC_WORD
 * and NET_SERVER_SECRET_WORD); the secret file holds only the 32-byte scalar.
 */

/** A new X25519 key pair. */
enum core_result net_server_keygen(uint8_t out_pk[NET_SERVER_KEY_BYTES],
				   uint8_t out_sk[NET_SERVER_KEY_BYTES]) CORE_MUST_CHECK;

/** As net_token_key_write: secret is mode 0600 and never replaced (CORE_ERR_REFUSED). */
enum core_result net_server_key_write(const char *path, const uint8_t *key,
				      bool secret) CORE_MUST_CHECK;

/**
 * As net_token_key_read, for a server key file; out_key gets
 * NET_SERVER_KEY_BYTES. A key of all zero bytes is refused; nothing else can
 * be checked, as the secret file holds no public half.
 */
enum core_result net_server_key_read(const char *path, uint8_t *out_key, bool secret, char *err,
				     size_t err_size) CORE_MUST_CHECK;

/**
 * The path of the key file called name ("server.key", "server.pub") in the
 * directory of key_path, where lyceum-token keygen writes them together.
 * False if it does not fit out.
 */
bool net_key_file_beside(const char *key_path, const char *name, char *out, size_t size);

/** Standard base64 of a server public key, as in server.pub: for showing and logging it. */
#define NET_SERVER_KEY_TEXT_MAX 45 /* 44 characters + NUL */
void net_server_key_text(const uint8_t key[NET_SERVER_KEY_BYTES],
			 char out[NET_SERVER_KEY_TEXT_MAX]);

/** The public key of a secret scalar. CORE_ERR_INVALID if libsodium cannot start. */
enum core_result net_server_key_public(const uint8_t sk[NET_SERVER_KEY_BYTES],
				       uint8_t out_pk[NET_SERVER_KEY_BYTES]) CORE_MUST_CHECK;
