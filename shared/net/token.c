/**
 * @file token.c
 * @brief Signed join tokens (Ed25519) and the token and server (X25519) key
 * files, over libsodium.
 */
#include "token.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TOKEN_B64 sodium_base64_VARIANT_URLSAFE_NO_PADDING
#define KEY_B64 sodium_base64_VARIANT_ORIGINAL
#define KEYGEN_ADVICE "make one with lyceum-token keygen --out DIR"

_Static_assert(NET_TOKEN_TEXT_MAX ==
		       NET_TOKEN_PREFIX_LEN + sodium_base64_ENCODED_LEN(NET_TOKEN_BINARY_MAX, TOKEN_B64),
	       "NET_TOKEN_TEXT_MAX must match libsodium's encoded length");
_Static_assert(NET_TOKEN_PUBLIC_BYTES == crypto_sign_PUBLICKEYBYTES, "Ed25519 public key size");
_Static_assert(NET_TOKEN_SECRET_BYTES == crypto_sign_SECRETKEYBYTES, "Ed25519 secret key size");
_Static_assert(NET_TOKEN_SIG_BYTES == crypto_sign_BYTES, "Ed25519 signature size");
_Static_assert(NET_SERVER_KEY_BYTES == crypto_scalarmult_BYTES, "X25519 public key size");
_Static_assert(NET_SERVER_KEY_BYTES == crypto_scalarmult_SCALARBYTES, "X25519 secret key size");
_Static_assert(NET_SERVER_KEY_BYTES == crypto_kx_PUBLICKEYBYTES, "kx public key size");
_Static_assert(NET_SERVER_KEY_BYTES == crypto_kx_SECRETKEYBYTES, "kx secret key size");
_Static_assert(NET_SERVER_KEY_TEXT_MAX == sodium_base64_ENCODED_LEN(NET_SERVER_KEY_BYTES, KEY_B64),
	       "NET_SERVER_KEY_TEXT_MAX must match libsodium's encoded length");
_Static_assert(PROTO_ROLE_COUNT <= 256, "role travels in a u8");

static bool sodium_ready(void)
{
	return sodium_init() >= 0;
}

const char *net_token_error_text(enum net_token_error e)
{
	switch (e) {
	case NET_TOKEN_OK: return "the join token is valid";
	case NET_TOKEN_MALFORMED:
		return "the join token is damaged or is not a Lyceum token; copy it again in full "
		       "(it starts with lyt1.) or ask for a new one";
	case NET_TOKEN_BAD_SIGNATURE:
		return "the join token was not signed with this server's key; ask your instructor "
		       "for a token made for this server";
	case NET_TOKEN_EXPIRED: return "the join token has expired; ask for a new one";
	case NET_TOKEN_NOT_YET_VALID:
		return "the join token is not valid yet (it was issued in the future); check this "
		       "computer's clock or ask for a new one";
	}
	return "unknown join token error; ask for a new token";
}

/* ---- fields ---- */

static bool user_char(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '@' || c == '-';
}

static bool room_char(uint8_t c)
{
	return c != '@' && user_char(c);
}

static bool name_char(uint8_t c)
{
	return c != 0;
}

static bool bytes_valid(const uint8_t *s, size_t len, size_t max_len, bool (*ok)(uint8_t))
{
	if (len < 1 || len > max_len)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!ok(s[i]))
			return false;
	}
	return true;
}

static bool string_valid(const char *s, size_t max_len, bool (*ok)(uint8_t))
{
	return bytes_valid((const uint8_t *)s, strnlen(s, max_len + 1), max_len, ok);
}

bool net_token_user_valid(const char *user)
{
	return string_valid(user, NET_TOKEN_USER_MAX - 1, user_char);
}

bool net_token_name_valid(const char *name)
{
	return string_valid(name, PROTO_NAME_MAX - 1, name_char);
}

bool net_token_room_valid(const char *room)
{
	return string_valid(room, PROTO_NAME_MAX - 1, room_char);
}

static bool token_valid(const struct net_token *t)
{
	return t->version == NET_TOKEN_VERSION && t->role < PROTO_ROLE_COUNT &&
	       t->issued_at >= 0 && t->expires_at > t->issued_at &&
	       !sodium_is_zero(t->server_key, NET_SERVER_KEY_BYTES) &&
	       net_token_user_valid(t->user) && net_token_name_valid(t->name) &&
	       net_token_room_valid(t->room);
}

/* ---- body ---- */

struct body_writer {
	uint8_t *p;
	size_t len;
};

static void put_u8(struct body_writer *w, uint8_t v)
{
	w->p[w->len] = v;
	w->len++;
}

static void put_i64(struct body_writer *w, int64_t v)
{
	uint64_t u = (uint64_t)v;
	for (int i = 0; i < 8; i++)
		put_u8(w, (uint8_t)(u >> (8 * i)));
}

static void put_bytes(struct body_writer *w, const void *src, size_t n)
{
	memcpy(w->p + w->len, src, n);
	w->len += n;
}

static void put_str(struct body_writer *w, const char *s)
{
	size_t n = strlen(s);
	put_u8(w, (uint8_t)n);
	put_bytes(w, s, n);
}

/* Bounds are checked once per read; after the first miss every read fails. */
struct body_reader {
	const uint8_t *p;
	size_t left;
	bool bad;
};

static const uint8_t *take(struct body_reader *r, size_t n)
{
	if (r->bad || n > r->left) {
		r->bad = true;
		return NULL;
	}
	const uint8_t *at = r->p;
	r->p += n;
	r->left -= n;
	return at;
}

static uint8_t get_u8(struct body_reader *r)
{
	const uint8_t *b = take(r, 1);
	return b ? b[0] : 0;
}

static int64_t get_i64(struct body_reader *r)
{
	const uint8_t *b = take(r, 8);
	if (!b)
		return 0;
	uint64_t u = 0;
	for (int i = 0; i < 8; i++)
		u |= (uint64_t)b[i] << (8 * i);
	return (int64_t)u;
}

static void get_str(struct body_reader *r, char *dst, size_t max_len, bool (*ok)(uint8_t))
{
	size_t n = get_u8(r);
	const uint8_t *b = take(r, n);
	if (!b || !bytes_valid(b, n, max_len, ok)) {
		r->bad = true;
		return;
	}
	memcpy(dst, b, n);
	dst[n] = '\0';
}

/* libsodium 1.0.18 decodes any byte >= 0x80 as the 64th letter (char is
 * signed), so the alphabet is checked here first. */
static bool base64_alphabet(const char *s, size_t len, bool urlsafe)
{
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			  (urlsafe ? (c == '-' || c == '_') : (c == '+' || c == '/' || c == '='));
		if (!ok)
			return false;
	}
	return true;
}

/* Checks the text's shape and turns it into binary: prefix, base64url with
 * no padding and no trailing bits, and a length a token can have. */
static enum net_token_error text_to_binary(const char *text, size_t len,
					   uint8_t bin[NET_TOKEN_BINARY_MAX], size_t *out_len)
{
	if (len < NET_TOKEN_PREFIX_LEN || len > NET_TOKEN_TEXT_MAX - 1 ||
	    memcmp(text, NET_TOKEN_PREFIX, NET_TOKEN_PREFIX_LEN) != 0)
		return NET_TOKEN_MALFORMED;
	const char *b64 = text + NET_TOKEN_PREFIX_LEN;
	size_t b64_len = len - NET_TOKEN_PREFIX_LEN;
	const char *end = NULL;
	size_t n = 0;
	if (!base64_alphabet(b64, b64_len, true) ||
	    sodium_base642bin(bin, NET_TOKEN_BINARY_MAX, b64, b64_len, NULL, &n, &end, TOKEN_B64) != 0 ||
	    end != b64 + b64_len)
		return NET_TOKEN_MALFORMED;
	if (n < NET_TOKEN_BODY_MIN + NET_TOKEN_SIG_BYTES)
		return NET_TOKEN_MALFORMED;
	*out_len = n;
	return NET_TOKEN_OK;
}

/* Parses the body; exactly one signature must follow it. */
static enum net_token_error binary_to_token(const uint8_t *bin, size_t len, struct net_token *t,
					    size_t *out_body_len)
{
	struct body_reader r = {.p = bin, .left = len};
	memset(t, 0, sizeof(*t));
	t->version = get_u8(&r);
	t->role = get_u8(&r);
	t->issued_at = get_i64(&r);
	t->expires_at = get_i64(&r);
	const uint8_t *id = take(&r, NET_TOKEN_ID_BYTES);
	if (id)
		memcpy(t->id, id, NET_TOKEN_ID_BYTES);
	const uint8_t *server_key = take(&r, NET_SERVER_KEY_BYTES);
	if (server_key)
		memcpy(t->server_key, server_key, NET_SERVER_KEY_BYTES);
	get_str(&r, t->user, NET_TOKEN_USER_MAX - 1, user_char);
	get_str(&r, t->name, PROTO_NAME_MAX - 1, name_char);
	get_str(&r, t->room, PROTO_NAME_MAX - 1, room_char);
	if (r.bad || r.left != NET_TOKEN_SIG_BYTES)
		return NET_TOKEN_MALFORMED;
	if (t->version != NET_TOKEN_VERSION || t->role >= PROTO_ROLE_COUNT || t->issued_at < 0 ||
	    t->expires_at <= t->issued_at || sodium_is_zero(t->server_key, NET_SERVER_KEY_BYTES))
		return NET_TOKEN_MALFORMED;
	*out_body_len = len - NET_TOKEN_SIG_BYTES;
	return NET_TOKEN_OK;
}

size_t net_token_mint(const struct net_token *t, const uint8_t sk[NET_TOKEN_SECRET_BYTES],
		      char *out, size_t cap)
{
	if (!token_valid(t) || !sodium_ready())
		return 0;
	uint8_t bin[NET_TOKEN_BINARY_MAX];
	struct body_writer w = {.p = bin};
	put_u8(&w, t->version);
	put_u8(&w, t->role);
	put_i64(&w, t->issued_at);
	put_i64(&w, t->expires_at);
	put_bytes(&w, t->id, NET_TOKEN_ID_BYTES);
	put_bytes(&w, t->server_key, NET_SERVER_KEY_BYTES);
	put_str(&w, t->user);
	put_str(&w, t->name);
	put_str(&w, t->room);
	size_t body_len = w.len;
	if (crypto_sign_detached(bin + body_len, NULL, bin, body_len, sk) != 0)
		return 0;
	size_t bin_len = body_len + NET_TOKEN_SIG_BYTES;
	size_t need = NET_TOKEN_PREFIX_LEN + sodium_base64_ENCODED_LEN(bin_len, TOKEN_B64);
	if (cap < need)
		return 0;
	memcpy(out, NET_TOKEN_PREFIX, NET_TOKEN_PREFIX_LEN);
	sodium_bin2base64(out + NET_TOKEN_PREFIX_LEN, cap - NET_TOKEN_PREFIX_LEN, bin, bin_len,
			  TOKEN_B64);
	return need - 1;
}

enum net_token_error net_token_decode(const char *text, size_t len, struct net_token *out)
{
	uint8_t bin[NET_TOKEN_BINARY_MAX];
	size_t bin_len = 0, body_len = 0;
	struct net_token t;
	enum net_token_error e = text_to_binary(text, len, bin, &bin_len);
	if (e == NET_TOKEN_OK)
		e = binary_to_token(bin, bin_len, &t, &body_len);
	if (e == NET_TOKEN_OK)
		*out = t;
	return e;
}

enum net_token_error net_token_verify(const char *text, size_t len,
				      const uint8_t pk[NET_TOKEN_PUBLIC_BYTES], int64_t now_unix,
				      struct net_token *out)
{
	uint8_t bin[NET_TOKEN_BINARY_MAX];
	size_t bin_len = 0, body_len = 0;
	struct net_token t;
	enum net_token_error e = text_to_binary(text, len, bin, &bin_len);
	if (e == NET_TOKEN_OK)
		e = binary_to_token(bin, bin_len, &t, &body_len);
	if (e != NET_TOKEN_OK)
		return e;
	if (!sodium_ready() ||
	    crypto_sign_verify_detached(bin + body_len, bin, body_len, pk) != 0)
		return NET_TOKEN_BAD_SIGNATURE;
	/* issued_at >= 0, so the subtraction cannot overflow. */
	if (now_unix < t.issued_at - NET_TOKEN_SKEW_S)
		return NET_TOKEN_NOT_YET_VALID;
	if (now_unix >= t.expires_at)
		return NET_TOKEN_EXPIRED;
	*out = t;
	return NET_TOKEN_OK;
}

/* ---- keys ---- */

enum core_result net_token_new_id(uint8_t out_id[NET_TOKEN_ID_BYTES])
{
	if (!sodium_ready()) {
		CORE_ERROR("libsodium failed to start; check that /dev/urandom is readable");
		return CORE_ERR_INVALID;
	}
	randombytes_buf(out_id, NET_TOKEN_ID_BYTES);
	return CORE_OK;
}

enum core_result net_token_keygen(uint8_t out_pk[NET_TOKEN_PUBLIC_BYTES],
				  uint8_t out_sk[NET_TOKEN_SECRET_BYTES])
{
	if (!sodium_ready() || crypto_sign_keypair(out_pk, out_sk) != 0) {
		CORE_ERROR("libsodium failed to make a key pair; check that /dev/urandom is readable");
		return CORE_ERR_INVALID;
	}
	return CORE_OK;
}


enum core_result net_server_keygen(uint8_t out_pk[NET_SERVER_KEY_BYTES],
				   uint8_t out_sk[NET_SERVER_KEY_BYTES])
{
	if (!sodium_ready() || crypto_kx_keypair(out_pk, out_sk) != 0) {
		CORE_ERROR("libsodium failed to make a key pair; check that /dev/urandom is readable");
		return CORE_ERR_INVALID;
	}
	return CORE_OK;
}

enum core_result net_server_key_public(const uint8_t sk[NET_SERVER_KEY_BYTES],
				       uint8_t out_pk[NET_SERVER_KEY_BYTES])
{
	if (!sodium_ready()) {
		CORE_ERROR("libsodium failed to start; check that /dev/urandom is readable");
		return CORE_ERR_INVALID;
	}
	/* Fails only when the result is all zero, which a clamped scalar never gives. */
	if (crypto_scalarmult_base(out_pk, sk) != 0) {
		CORE_ERROR("the server secret key gives no usable public key; make a new pair with "
			   "lyceum-token keygen --out DIR");
		return CORE_ERR_INVALID;
	}
	return CORE_OK;
}

bool net_key_file_beside(const char *key_path, const char *name, char *out, size_t size)
{
	const char *slash = strrchr(key_path, '/');
	int dir_len = slash ? (int)(slash - key_path + 1) : 0;
	int n = snprintf(out, size, "%.*s%s", dir_len, key_path, name);
	return n >= 0 && (size_t)n < size;
}

void net_server_key_text(const uint8_t key[NET_SERVER_KEY_BYTES],
			 char out[NET_SERVER_KEY_TEXT_MAX])
{
	sodium_bin2base64(out, NET_SERVER_KEY_TEXT_MAX, key, NET_SERVER_KEY_BYTES, KEY_B64);
}

/* ---- key files ---- */

/* An Ed25519 secret key carries its public half: recomputing it from the
 * seed must give the same 64 bytes. */
static bool token_secret_ok(const uint8_t *key)
{
	uint8_t pk[NET_TOKEN_PUBLIC_BYTES], sk[NET_TOKEN_SECRET_BYTES];
	bool same = sodium_ready() && crypto_sign_seed_keypair(pk, sk, key) == 0 &&
		    sodium_memcmp(sk, key, sizeof(sk)) == 0;
	sodium_memzero(sk, sizeof(sk));
	return same;
}

/* What differs between the kinds of key file. Arrays are indexed by
 * `secret`: [0] the public key, [1] the secret key. */
struct key_kind {
	const char *noun; /* starts every message, before the path */
	const char *word[2];
	size_t bytes[2];
	const char *file[2]; /* the name lyceum-token keygen gives it */
	const char *what[2]; /* the key, for a person */
	const char *replaced; /* what stops working when the secret key is replaced */
	bool (*secret_ok)(const uint8_t *key); /* NULL: nothing to check */
};

static const struct key_kind token_kind = {
	.noun = "token key",
	.word = {NET_TOKEN_PUBLIC_WORD, NET_TOKEN_SECRET_WORD},
	.bytes = {NET_TOKEN_PUBLIC_BYTES, NET_TOKEN_SECRET_BYTES},
	.file = {"token.pub", "token.key"},
	.what = {"the token public key", "the token signing key"},
	.replaced = "tokens it signed then stop working",
	.secret_ok = token_secret_ok,
};

static const struct key_kind server_kind = {
	.noun = "server key",
	.word = {NET_SERVER_PUBLIC_WORD, NET_SERVER_SECRET_WORD},
	.bytes = {NET_SERVER_KEY_BYTES, NET_SERVER_KEY_BYTES},
	.file = {"server.pub", "server.key"},
	.what = {"the server public key", "the server secret key"},
	.replaced = "tokens made for this server then stop working",
	.secret_ok = NULL,
};

static const struct key_kind *const key_kinds[] = {&token_kind, &server_kind};

#define KEY_WORD_MAX 32
#define KEY_BYTES_MAX NET_TOKEN_SECRET_BYTES
_Static_assert(sizeof(NET_TOKEN_SECRET_WORD) <= KEY_WORD_MAX &&
		       sizeof(NET_TOKEN_PUBLIC_WORD) <= KEY_WORD_MAX &&
		       sizeof(NET_SERVER_SECRET_WORD) <= KEY_WORD_MAX &&
		       sizeof(NET_SERVER_PUBLIC_WORD) <= KEY_WORD_MAX,
	       "a key file's word fits its line buffer");
_Static_assert(NET_TOKEN_PUBLIC_BYTES <= KEY_BYTES_MAX && NET_SERVER_KEY_BYTES <= KEY_BYTES_MAX,
	       "every key fits KEY_BYTES_MAX");

static enum core_result key_write(const struct key_kind *kind, const char *path,
				  const uint8_t *key, bool secret)
{
	const char *word = kind->word[secret];
	char line[KEY_WORD_MAX + 1 + sodium_base64_ENCODED_LEN(KEY_BYTES_MAX, KEY_B64) + 1];
	size_t word_len = strlen(word);
	memcpy(line, word, word_len);
	line[word_len] = ' ';
	sodium_bin2base64(line + word_len + 1, sizeof(line) - word_len - 1, key,
			  kind->bytes[secret], KEY_B64);
	size_t line_len = strlen(line);
	line[line_len] = '\n';
	line_len++;

	int flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK;
	flags |= secret ? O_EXCL : O_TRUNC;
	int fd = open(path, flags, secret ? 0600 : 0644);
	if (fd < 0 && secret && errno == EEXIST) {
		CORE_ERROR("%s %s already exists and a secret key is never overwritten: choose "
			   "another directory, or delete the old key first (%s)",
			   kind->noun, path, kind->replaced);
		sodium_memzero(line, sizeof(line));
		return CORE_ERR_REFUSED;
	}
	if (fd < 0) {
		CORE_ERROR("%s %s: cannot create it (%s); check that the directory exists and is "
			   "writable",
			   kind->noun, path, strerror(errno));
		sodium_memzero(line, sizeof(line));
		return CORE_ERR_IO;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		CORE_ERROR("%s %s: not a regular file; give a path for a new file", kind->noun,
			   path);
		close(fd);
		sodium_memzero(line, sizeof(line));
		return CORE_ERR_IO;
	}
	size_t done = 0;
	int err = 0;
	while (done < line_len) {
		ssize_t n = write(fd, line + done, line_len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? errno : EIO;
			break;
		}
		done += (size_t)n;
	}
	sodium_memzero(line, sizeof(line));
	if (!err && secret && fsync(fd) != 0)
		err = errno;
	if (close(fd) != 0 && !err)
		err = errno;
	if (err) {
		CORE_ERROR("%s %s: writing failed (%s); check free disk space, then run keygen "
			   "again",
			   kind->noun, path, strerror(err));
		unlink(path);
		return CORE_ERR_IO;
	}
	return CORE_OK;
}

enum core_result net_token_key_write(const char *path, const uint8_t *key, bool secret)
{
	return key_write(&token_kind, path, key, secret);
}

enum core_result net_server_key_write(const char *path, const uint8_t *key, bool secret)
{
	return key_write(&server_kind, path, key, secret);
}

static void set_err(char *err, size_t err_size, const char *fmt, ...) CORE_PRINTF(3, 4);
static void set_err(char *err, size_t err_size, const char *fmt, ...)
{
	if (!err || !err_size)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, err_size, fmt, ap);
	va_end(ap);
}

static bool key_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* A first word that names another kind or half of Lyceum key: says which
 * file to give instead. False when the word is no Lyceum key's. */
static bool wrong_lyceum_key(const struct key_kind *kind, bool secret, const char *word,
			     size_t word_len, const char *label, char *err, size_t err_size)
{
	for (size_t i = 0; i < CORE_ARRAY_LEN(key_kinds); i++) {
		for (int half = 0; half < 2; half++) {
			const char *w = key_kinds[i]->word[half];
			if (word_len != strlen(w) || memcmp(word, w, word_len) != 0)
				continue;
			bool leaked_secret = half && !secret;
			set_err(err, err_size,
				"%s: this is %s, but %s is needed here; give the %s that "
				"lyceum-token keygen wrote next to it%s%s%s",
				label, key_kinds[i]->what[half], kind->what[secret],
				kind->file[secret], leaked_secret ? ", and keep " : "",
				leaked_secret ? key_kinds[i]->file[half] : "",
				leaked_secret ? " private" : "");
			return true;
		}
	}
	return false;
}

/* label names the source in messages: "token key PATH" or "token key text". */
static enum core_result parse_key(const struct key_kind *kind, const char *text, size_t len,
				  uint8_t *out_key, bool secret, const char *label, char *err,
				  size_t err_size)
{
	const char *want = kind->word[secret];
	size_t key_len = kind->bytes[secret];
	if (memchr(text, '\0', len)) {
		set_err(err, err_size, "%s: contains a NUL byte, so it is not a key file; %s",
			label, KEYGEN_ADVICE);
		return CORE_ERR_INVALID;
	}
	while (len && key_space(text[0])) {
		text++;
		len--;
	}
	while (len && key_space(text[len - 1]))
		len--;
	if (!len) {
		set_err(err, err_size, "%s: is empty; %s", label, KEYGEN_ADVICE);
		return CORE_ERR_INVALID;
	}
	size_t word_len = 0;
	while (word_len < len && !key_space(text[word_len]))
		word_len++;
	if (word_len != strlen(want) || memcmp(text, want, word_len) != 0) {
		if (!wrong_lyceum_key(kind, secret, text, word_len, label, err, err_size))
			set_err(err, err_size,
				"%s: not a Lyceum key file (first word should be %s); %s", label,
				want, KEYGEN_ADVICE);
		return CORE_ERR_INVALID;
	}
	size_t at = word_len;
	while (at < len && (text[at] == ' ' || text[at] == '\t'))
		at++;
	uint8_t key[KEY_BYTES_MAX];
	size_t n = 0;
	const char *end = NULL;
	if (at == word_len || !base64_alphabet(text + at, len - at, false) ||
	    sodium_base642bin(key, key_len, text + at, len - at, NULL, &n, &end, KEY_B64) != 0 ||
	    end != text + len || n != key_len) {
		set_err(err, err_size,
			"%s: the key after %s is not %zu bytes of base64; the file is damaged: copy "
			"it again, or %s",
			label, want, key_len, KEYGEN_ADVICE);
		sodium_memzero(key, sizeof(key));
		return CORE_ERR_INVALID;
	}
	if (sodium_is_zero(key, key_len)) {
		set_err(err, err_size, "%s: the key is all zero bytes, so the file is damaged; %s",
			label, KEYGEN_ADVICE);
		return CORE_ERR_INVALID;
	}
	if (secret && kind->secret_ok && !kind->secret_ok(key)) {
		set_err(err, err_size,
			"%s: the secret key does not match the public half it carries; the file is "
			"damaged: %s",
			label, KEYGEN_ADVICE);
		sodium_memzero(key, sizeof(key));
		return CORE_ERR_INVALID;
	}
	memcpy(out_key, key, key_len);
	sodium_memzero(key, sizeof(key));
	return CORE_OK;
}

enum core_result net_token_key_parse(const char *text, uint8_t *out_key, bool secret, char *err,
				     size_t err_size)
{
	return parse_key(&token_kind, text, strlen(text), out_key, secret, "token key text", err,
			 err_size);
}

static enum core_result key_read(const struct key_kind *kind, const char *path, uint8_t *out_key,
				 bool secret, char *err, size_t err_size)
{
	char label[600];
	snprintf(label, sizeof(label), "%s %s", kind->noun, path);
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT)
			set_err(err, err_size, "%s: no such file; check the path, or %s", label,
				KEYGEN_ADVICE);
		else
			set_err(err, err_size, "%s: cannot open it (%s); check its permissions", label,
				strerror(errno));
		return CORE_ERR_IO;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		set_err(err, err_size,
			"%s: not a regular file (a directory, FIFO or device); give the path of "
			"the %s file itself",
			label, kind->file[secret]);
		close(fd);
		return CORE_ERR_IO;
	}
	char buf[NET_TOKEN_KEY_FILE_MAX + 1];
	size_t len = 0;
	int read_err = 0;
	while (len < sizeof(buf)) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			read_err = errno;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	enum core_result r;
	if (read_err) {
		set_err(err, err_size, "%s: reading failed (%s); check the disk and the path", label,
			strerror(read_err));
		r = CORE_ERR_IO;
	} else if (len > NET_TOKEN_KEY_FILE_MAX) {
		set_err(err, err_size,
			"%s: larger than %d bytes, so it is not a key file (a key file is one "
			"short line); %s",
			label, NET_TOKEN_KEY_FILE_MAX, KEYGEN_ADVICE);
		r = CORE_ERR_INVALID;
	} else {
		r = parse_key(kind, buf, len, out_key, secret, label, err, err_size);
	}
	sodium_memzero(buf, sizeof(buf));
	return r;
}

enum core_result net_token_key_read(const char *path, uint8_t *out_key, bool secret, char *err,
				    size_t err_size)
{
	return key_read(&token_kind, path, out_key, secret, err, err_size);
}

enum core_result net_server_key_read(const char *path, uint8_t *out_key, bool secret, char *err,
				     size_t err_size)
{
	return key_read(&server_kind, path, out_key, secret, err, err_size);
}
