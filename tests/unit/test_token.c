/**
 * @file test_token.c
 * @brief Signed join tokens: round trip, tampering, time window, strict
 * decoding of hand-forged bodies, and the token and server key files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "net/token.h"

#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define T0 1700000000 /* issued_at of the test tokens */

struct keys {
	uint8_t pk[NET_TOKEN_PUBLIC_BYTES], sk[NET_TOKEN_SECRET_BYTES];
	uint8_t other_pk[NET_TOKEN_PUBLIC_BYTES], other_sk[NET_TOKEN_SECRET_BYTES];
	uint8_t server_pk[NET_SERVER_KEY_BYTES], server_sk[NET_SERVER_KEY_BYTES];
};

static int make_keys(void **state)
{
	static struct keys k;
	if (net_token_keygen(k.pk, k.sk) != CORE_OK ||
	    net_token_keygen(k.other_pk, k.other_sk) != CORE_OK ||
	    net_server_keygen(k.server_pk, k.server_sk) != CORE_OK)
		return -1;
	*state = &k;
	return 0;
}

static struct net_token sample(void)
{
	struct net_token t = {
		.version = NET_TOKEN_VERSION,
		.role = PROTO_ROLE_TA,
		.issued_at = T0,
		.expires_at = T0 + 3600,
		.id = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0xff},
		.user = "ada.lovelace@example.org",
		.name = "Ada Lovelace",
		.room = "physics-101",
	};
	for (int i = 0; i < NET_SERVER_KEY_BYTES; i++)
		t.server_key[i] = (uint8_t)(0xc0 + i);
	return t;
}

/* verify on a heap copy with no NUL, so an over-read shows under ASan. */
static enum net_token_error verify_exact(const char *text, size_t len, const uint8_t *pk,
					 int64_t now, struct net_token *out)
{
	char *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, text, len);
	enum net_token_error e = net_token_verify(copy, len, pk, now, out);
	free(copy);
	return e;
}

static enum net_token_error decode_exact(const char *text, size_t len)
{
	char *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, text, len);
	struct net_token t;
	enum net_token_error e = net_token_decode(copy, len, &t);
	free(copy);
	return e;
}

static void assert_same_token(const struct net_token *a, const struct net_token *b)
{
	assert_int_equal(a->version, b->version);
	assert_int_equal(a->role, b->role);
	assert_int_equal(a->issued_at, b->issued_at);
	assert_int_equal(a->expires_at, b->expires_at);
	assert_memory_equal(a->id, b->id, NET_TOKEN_ID_BYTES);
	assert_memory_equal(a->server_key, b->server_key, NET_SERVER_KEY_BYTES);
	assert_string_equal(a->user, b->user);
	assert_string_equal(a->name, b->name);
	assert_string_equal(a->room, b->room);
}

static void round_trip_every_field(void **state)
{
	const struct keys *k = *state;
	struct net_token t = sample();
	char text[NET_TOKEN_TEXT_MAX];
	size_t len = net_token_mint(&t, k->sk, text, sizeof(text));
	assert_true(len > 0);
	assert_int_equal(len, strlen(text));
	assert_memory_equal(text, "lyt1.", 5);
	for (size_t i = 5; i < len; i++)
		assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
				       text[i]));

	struct net_token got;
	memset(&got, 0xaa, sizeof(got));
	assert_int_equal(verify_exact(text, len, k->pk, T0 + 10, &got), NET_TOKEN_OK);
	assert_same_token(&got, &t);
	memset(&got, 0xaa, sizeof(got));
	assert_int_equal(net_token_decode(text, len, &got), NET_TOKEN_OK);
	assert_same_token(&got, &t);

	/* Every role, a fresh random id and a real server key survive too. */
	memcpy(t.server_key, k->server_pk, NET_SERVER_KEY_BYTES);
	for (int r = 0; r < PROTO_ROLE_COUNT; r++) {
		t.role = (uint8_t)r;
		assert_int_equal(net_token_new_id(t.id), CORE_OK);
		len = net_token_mint(&t, k->sk, text, sizeof(text));
		assert_true(len > 0);
		assert_int_equal(verify_exact(text, len, k->pk, T0, &got), NET_TOKEN_OK);
		assert_same_token(&got, &t);
	}
	uint8_t id2[NET_TOKEN_ID_BYTES];
	assert_int_equal(net_token_new_id(id2), CORE_OK);
	assert_memory_not_equal(id2, t.id, NET_TOKEN_ID_BYTES);
}

static void longest_token_fills_text_max_exactly(void **state)
{
	const struct keys *k = *state;
	struct net_token t = sample();
	memset(t.user, 'u', NET_TOKEN_USER_MAX - 1);
	t.user[NET_TOKEN_USER_MAX - 1] = '\0';
	memset(t.name, 'n', PROTO_NAME_MAX - 1);
	t.name[PROTO_NAME_MAX - 1] = '\0';
	memset(t.room, 'r', PROTO_NAME_MAX - 1);
	t.room[PROTO_NAME_MAX - 1] = '\0';
	char text[NET_TOKEN_TEXT_MAX + 8];
	assert_int_equal(net_token_mint(&t, k->sk, text, NET_TOKEN_TEXT_MAX - 1), 0);
	size_t len = net_token_mint(&t, k->sk, text, NET_TOKEN_TEXT_MAX);
	assert_int_equal(len, NET_TOKEN_TEXT_MAX - 1);
	struct net_token got;
	assert_int_equal(verify_exact(text, len, k->pk, T0, &got), NET_TOKEN_OK);
	assert_same_token(&got, &t);
}

static void wrong_key_is_bad_signature(void **state)
{
	const struct keys *k = *state;
	struct net_token t = sample(), got;
	char text[NET_TOKEN_TEXT_MAX];
	size_t len = net_token_mint(&t, k->sk, text, sizeof(text));
	assert_true(len > 0);
	assert_int_equal(verify_exact(text, len, k->other_pk, T0, &got), NET_TOKEN_BAD_SIGNATURE);
	/* Signed by the other key: only the other public key accepts it. */
	len = net_token_mint(&t, k->other_sk, text, sizeof(text));
	assert_int_equal(verify_exact(text, len, k->pk, T0, &got), NET_TOKEN_BAD_SIGNATURE);
	assert_int_equal(verify_exact(text, len, k->other_pk, T0, &got), NET_TOKEN_OK);
}

static size_t encode(const uint8_t *bin, size_t n, char *out, size_t cap)
{
	memcpy(out, "lyt1.", 5);
	sodium_bin2base64(out + 5, cap - 5, bin, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return strlen(out);
}

static void every_bit_flip_is_rejected(void **state)
{
	const struct keys *k = *state;
	struct net_token t = sample(), got;
	char text[NET_TOKEN_TEXT_MAX];
	size_t len = net_token_mint(&t, k->sk, text, sizeof(text));
	uint8_t bin[NET_TOKEN_BINARY_MAX];
	size_t n = 0;
	assert_int_equal(sodium_base642bin(bin, sizeof(bin), text + 5, len - 5, NULL, &n, NULL,
					   sodium_base64_VARIANT_URLSAFE_NO_PADDING),
			 0);
	/* Re-encoding the untouched binary gives a valid token: the flips below
	 * fail because of the flip, not the re-encoding. */
	char flipped[NET_TOKEN_TEXT_MAX];
	size_t flen = encode(bin, n, flipped, sizeof(flipped));
	assert_int_equal(verify_exact(flipped, flen, k->pk, T0, &got), NET_TOKEN_OK);
	int bad_signature = 0;
	for (size_t bit = 0; bit < n * 8; bit++) {
		bin[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		flen = encode(bin, n, flipped, sizeof(flipped));
		enum net_token_error e = verify_exact(flipped, flen, k->pk, T0 + 10, &got);
		if (e == NET_TOKEN_OK)
			fail_msg("flipping bit %zu still verifies", bit);
		bad_signature += e == NET_TOKEN_BAD_SIGNATURE;
		bin[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	/* Flips in the id, the server key and the signature keep the structure:
	 * the signature catches them. */
	assert_true(bad_signature >=
		    (NET_TOKEN_ID_BYTES + NET_SERVER_KEY_BYTES + NET_TOKEN_SIG_BYTES) * 8);
}

static void time_window_with_skew(void **state)
{
	const struct keys *k = *state;
	struct net_token t = sample(), got;
	char text[NET_TOKEN_TEXT_MAX];
	size_t len = net_token_mint(&t, k->sk, text, sizeof(text));
	assert_int_equal(verify_exact(text, len, k->pk, T0 + 3599, &got), NET_TOKEN_OK);
	assert_int_equal(verify_exact(text, len, k->pk, T0 + 3600, &got), NET_TOKEN_EXPIRED);
	assert_int_equal(verify_exact(text, len, k->pk, T0 + 86400 * 365, &got), NET_TOKEN_EXPIRED);
	assert_int_equal(verify_exact(text, len, k->pk, T0 - NET_TOKEN_SKEW_S, &got), NET_TOKEN_OK);
	assert_int_equal(verify_exact(text, len, k->pk, T0 - NET_TOKEN_SKEW_S - 1, &got),
			 NET_TOKEN_NOT_YET_VALID);
	assert_int_equal(verify_exact(text, len, k->pk, 0, &got), NET_TOKEN_NOT_YET_VALID);
	/* The signature is checked first: a forged expired token is a bad signature. */
	assert_int_equal(verify_exact(text, len, k->other_pk, T0 + 3600, &got),
			 NET_TOKEN_BAD_SIGNATURE);
	/* A failed verify leaves out untouched. */
	memset(&got, 0x5a, sizeof(got));
	assert_int_equal(verify_exact(text, len, k->pk, T0 + 3600, &got), NET_TOKEN_EXPIRED);
	assert_int_equal(got.role, 0x5a);
}

static void every_truncation_is_malformed(void **state)
{
	const struct keys *k = *state;
	struct net_token t = sample(), got;
	char text[NET_TOKEN_TEXT_MAX];
	size_t len = net_token_mint(&t, k->sk, text, sizeof(text));
	for (size_t n = 0; n < len; n++) {
		if (decode_exact(text, n) != NET_TOKEN_MALFORMED)
			fail_msg("decode accepts the first %zu of %zu characters", n, len);
		assert_int_equal(verify_exact(text, n, k->pk, T0, &got), NET_TOKEN_MALFORMED);
	}
	assert_int_equal(decode_exact(text, len), NET_TOKEN_OK);
}

/* A body cut anywhere, then signed properly: the structure alone refuses it. */
static void every_signed_truncated_body_is_malformed(void **state)
{
	const struct keys *k = *state;
	struct net_token t = sample(), got;
	char text[NET_TOKEN_TEXT_MAX];
	size_t len = net_token_mint(&t, k->sk, text, sizeof(text));
	uint8_t bin[NET_TOKEN_BINARY_MAX];
	size_t n = 0;
	assert_int_equal(sodium_base642bin(bin, sizeof(bin), text + 5, len - 5, NULL, &n, NULL,
					   sodium_base64_VARIANT_URLSAFE_NO_PADDING),
			 0);
	size_t body_len = n - NET_TOKEN_SIG_BYTES;
	char cut[NET_TOKEN_TEXT_MAX];
	for (size_t b = 0; b <= body_len; b++) {
		uint8_t signed_cut[NET_TOKEN_BINARY_MAX];
		memcpy(signed_cut, bin, b);
		crypto_sign_detached(signed_cut + b, NULL, signed_cut, b, k->sk);
		size_t clen = encode(signed_cut, b + NET_TOKEN_SIG_BYTES, cut, sizeof(cut));
		enum net_token_error e = verify_exact(cut, clen, k->pk, T0, &got);
		if (b == body_len && e != NET_TOKEN_OK)
			fail_msg("the whole body, re-signed, gives %d", e);
		if (b < body_len && e != NET_TOKEN_MALFORMED)
			fail_msg("a body cut to %zu of %zu bytes gives %d", b, body_len, e);
	}
}

static void text_must_be_exact(void **state)
{
	const struct keys *k = *state;
	struct net_token t = sample(), got;
	/* A binary length that is not a multiple of 3, so the text's last
	 * character has unused bits (checked below). */
	strcpy(t.room, "physics-1010");
	char text[NET_TOKEN_TEXT_MAX + 16];
	size_t len = net_token_mint(&t, k->sk, text, sizeof(text));
	char buf[NET_TOKEN_TEXT_MAX + 32];

	/* Trailing garbage, whitespace and the NUL itself. */
	static const char *const tails[] = {"A", "AA", "AAAA", "AAAAAAAA", " ", "\n", "=", "."};
	for (size_t i = 0; i < CORE_ARRAY_LEN(tails); i++) {
		snprintf(buf, sizeof(buf), "%s%s", text, tails[i]);
		assert_int_equal(verify_exact(buf, strlen(buf), k->pk, T0, &got), NET_TOKEN_MALFORMED);
	}
	assert_int_equal(verify_exact(text, len + 1, k->pk, T0, &got), NET_TOKEN_MALFORMED);
	snprintf(buf, sizeof(buf), " %s", text);
	assert_int_equal(verify_exact(buf, strlen(buf), k->pk, T0, &got), NET_TOKEN_MALFORMED);

	/* Prefixes. */
	static const char *const prefixes[] = {"lyt2.", "LYT1.", "lyt1-", "xyt1."};
	for (size_t i = 0; i < CORE_ARRAY_LEN(prefixes); i++) {
		memcpy(buf, text, len + 1);
		memcpy(buf, prefixes[i], 5);
		assert_int_equal(verify_exact(buf, len, k->pk, T0, &got), NET_TOKEN_MALFORMED);
	}
	snprintf(buf, sizeof(buf), "%s", text + 5);
	assert_int_equal(verify_exact(buf, strlen(buf), k->pk, T0, &got), NET_TOKEN_MALFORMED);
	assert_int_equal(decode_exact("lyt1.", 5), NET_TOKEN_MALFORMED);

	/* Characters outside base64url: the standard alphabet's + and /, padding, others. */
	static const char bad_chars[] = {'+', '/', '=', '*', ' ', '\0', '\n', (char)0xc3};
	for (size_t i = 0; i < sizeof(bad_chars); i++) {
		for (size_t at = 5; at < len; at += 37) {
			memcpy(buf, text, len + 1);
			buf[at] = bad_chars[i];
			assert_int_equal(verify_exact(buf, len, k->pk, T0, &got), NET_TOKEN_MALFORMED);
		}
	}
	/* A last character whose unused bits are set is another encoding of the same bytes. */
	memcpy(buf, text, len + 1);
	assert_true((len - 5) % 4 != 0);
	const char *alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	int v = (int)(strchr(alphabet, buf[len - 1]) - alphabet);
	buf[len - 1] = alphabet[v | 1];
	if (buf[len - 1] == text[len - 1])
		buf[len - 1] = alphabet[v | 2];
	assert_int_equal(verify_exact(buf, len, k->pk, T0, &got), NET_TOKEN_MALFORMED);

	/* Far too long. */
	char big[700];
	memset(big, 'A', sizeof(big));
	memcpy(big, "lyt1.", 5);
	assert_int_equal(verify_exact(big, sizeof(big), k->pk, T0, &got), NET_TOKEN_MALFORMED);
}

/* A body written by hand, so fields the minting side refuses can be signed. */
struct raw {
	uint8_t version, role;
	int64_t issued, expires;
	uint8_t server_key[NET_SERVER_KEY_BYTES];
	const char *user, *name, *room;
	size_t user_len, name_len, room_len;
	size_t extra; /* zero bytes after the signature */
};

static struct raw raw_ok(void)
{
	return (struct raw){
		.version = 1, .role = PROTO_ROLE_STUDENT, .issued = T0, .expires = T0 + 60,
		.user = "s1234", .user_len = 5, .name = "Bo", .name_len = 2,
		.room = "lab", .room_len = 3, .server_key = {9, 8, 7, 6, 5, 4, 3, 2, 1},
	};
}

static size_t forge(const struct raw *r, const uint8_t *sk, char *out, size_t cap)
{
	uint8_t bin[1024] = {0};
	size_t n = 0;
	bin[n++] = r->version;
	bin[n++] = r->role;
	for (int i = 0; i < 8; i++)
		bin[n++] = (uint8_t)((uint64_t)r->issued >> (8 * i));
	for (int i = 0; i < 8; i++)
		bin[n++] = (uint8_t)((uint64_t)r->expires >> (8 * i));
	n += NET_TOKEN_ID_BYTES;
	memcpy(bin + n, r->server_key, NET_SERVER_KEY_BYTES);
	n += NET_SERVER_KEY_BYTES;
	bin[n++] = (uint8_t)r->user_len;
	memcpy(bin + n, r->user, r->user_len);
	n += r->user_len;
	bin[n++] = (uint8_t)r->name_len;
	memcpy(bin + n, r->name, r->name_len);
	n += r->name_len;
	bin[n++] = (uint8_t)r->room_len;
	memcpy(bin + n, r->room, r->room_len);
	n += r->room_len;
	crypto_sign_detached(bin + n, NULL, bin, n, sk);
	n += NET_TOKEN_SIG_BYTES + r->extra;
	memcpy(out, "lyt1.", 5);
	sodium_bin2base64(out + 5, cap - 5, bin, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return strlen(out);
}

static enum net_token_error forge_verify(const struct raw *r, const struct keys *k)
{
	char text[2048];
	size_t len = forge(r, k->sk, text, sizeof(text));
	struct net_token got;
	enum net_token_error e = verify_exact(text, len, k->pk, T0, &got);
	/* decode applies the same structure rules */
	assert_int_equal(decode_exact(text, len) == NET_TOKEN_OK, e == NET_TOKEN_OK);
	return e;
}

static void expect_forged(const struct raw *r, const struct keys *k, enum net_token_error want,
			  const char *what)
{
	enum net_token_error got = forge_verify(r, k);
	if (got != want)
		fail_msg("%s: got %d, want %d", what, got, want);
}

static void forged_fields_out_of_range_are_malformed(void **state)
{
	const struct keys *k = *state;
	char x[80];
	memset(x, 'x', sizeof(x));
	struct raw r = raw_ok();
	expect_forged(&r, k, NET_TOKEN_OK, "the forger itself is sound");

	r = raw_ok();
	r.version = 0;
	expect_forged(&r, k, NET_TOKEN_MALFORMED, "version 0");
	r.version = 2;
	expect_forged(&r, k, NET_TOKEN_MALFORMED, "version 2");

	r = raw_ok();
	r.role = PROTO_ROLE_OBSERVER;
	expect_forged(&r, k, NET_TOKEN_OK, "last role");
	r.role = PROTO_ROLE_COUNT;
	expect_forged(&r, k, NET_TOKEN_MALFORMED, "role past the last");
	r.role = 255;
	expect_forged(&r, k, NET_TOKEN_MALFORMED, "role 255");

	r = raw_ok();
	r.expires = r.issued;
	expect_forged(&r, k, NET_TOKEN_MALFORMED, "expires == issued");
	r.expires = r.issued - 1;
	expect_forged(&r, k, NET_TOKEN_MALFORMED, "expires before issued");
	r.issued = -5;
	r.expires = INT64_MAX;
	expect_forged(&r, k, NET_TOKEN_MALFORMED, "negative issued");

	r = raw_ok();
	r.extra = 1;
	expect_forged(&r, k, NET_TOKEN_MALFORMED, "a byte after the signature");

	/* server key: any 32 bytes but all zero */
	r = raw_ok();
	memset(r.server_key, 0, sizeof(r.server_key));
	expect_forged(&r, k, NET_TOKEN_MALFORMED, "all-zero server key");
	r.server_key[NET_SERVER_KEY_BYTES - 1] = 1;
	expect_forged(&r, k, NET_TOKEN_OK, "server key zero but its last byte");
	memset(r.server_key, 0xff, sizeof(r.server_key));
	expect_forged(&r, k, NET_TOKEN_OK, "server key all 0xff");

	/* user: 1..64 of [A-Za-z0-9._@-] */
	r = raw_ok();
	r.user = x;
	r.user_len = 64;
	expect_forged(&r, k, NET_TOKEN_OK, "64-byte user");
	r.user_len = 65;
	expect_forged(&r, k, NET_TOKEN_MALFORMED, "65-byte user");
	r.user_len = 0;
	expect_forged(&r, k, NET_TOKEN_MALFORMED, "empty user");
	r.user = "A-z_0.9@x";
	r.user_len = 9;
	expect_forged(&r, k, NET_TOKEN_OK, "every kind of user character");
	static const char *const bad_users[] = {"a b", "a/b", "a:b", "a\0b", "a\xc3\xa9", "a+b", "a\nb"};
	for (size_t i = 0; i < CORE_ARRAY_LEN(bad_users); i++) {
		r.user = bad_users[i];
		r.user_len = 3;
		expect_forged(&r, k, NET_TOKEN_MALFORMED, bad_users[i]);
	}

	/* name: 1..31 bytes, no NUL; other characters are the server's call */
	r = raw_ok();
	r.name = x;
	r.name_len = 31;
	expect_forged(&r, k, NET_TOKEN_OK, "31-byte name");
	r.name_len = 32;
	expect_forged(&r, k, NET_TOKEN_MALFORMED, "32-byte name");
	r.name_len = 0;
	expect_forged(&r, k, NET_TOKEN_MALFORMED, "empty name");
	r.name = "Jos\xc3\xa9 P";
	r.name_len = 7;
	expect_forged(&r, k, NET_TOKEN_OK, "UTF-8 name");
	r.name = "a\0b";
	r.name_len = 3;
	expect_forged(&r, k, NET_TOKEN_MALFORMED, "NUL in name");

	/* room: 1..31 of [A-Za-z0-9._-]: no @, unlike user */
	r = raw_ok();
	r.room = x;
	r.room_len = 31;
	expect_forged(&r, k, NET_TOKEN_OK, "31-byte room");
	r.room_len = 32;
	expect_forged(&r, k, NET_TOKEN_MALFORMED, "32-byte room");
	r.room_len = 0;
	expect_forged(&r, k, NET_TOKEN_MALFORMED, "empty room");
	static const char *const bad_rooms[] = {"a@b", "a b", "a/b", "a\0b", "a\xc3\xa9", "..\\"};
	for (size_t i = 0; i < CORE_ARRAY_LEN(bad_rooms); i++) {
		r.room = bad_rooms[i];
		r.room_len = 3;
		expect_forged(&r, k, NET_TOKEN_MALFORMED, bad_rooms[i]);
	}
}

static void expect_mint_refuses(const struct net_token *t, const struct keys *k, const char *what)
{
	char text[NET_TOKEN_TEXT_MAX];
	if (net_token_mint(t, k->sk, text, sizeof(text)) != 0)
		fail_msg("mint accepted %s", what);
}

static void mint_refuses_invalid_fields(void **state)
{
	const struct keys *k = *state;
	char text[NET_TOKEN_TEXT_MAX];
	struct net_token t = sample();
	size_t len = net_token_mint(&t, k->sk, text, sizeof(text));
	assert_true(len > 0);
	assert_int_equal(net_token_mint(&t, k->sk, text, len), 0); /* no room for the NUL */
	assert_int_equal(net_token_mint(&t, k->sk, text, len + 1), len);

	t = sample();
	t.version = 2;
	expect_mint_refuses(&t, k, "version 2");
	t = sample();
	t.role = PROTO_ROLE_COUNT;
	expect_mint_refuses(&t, k, "a role past the last");
	t = sample();
	t.expires_at = t.issued_at;
	expect_mint_refuses(&t, k, "expires == issued");
	t = sample();
	t.issued_at = -1;
	expect_mint_refuses(&t, k, "negative issued");
	t = sample();
	memset(t.server_key, 0, sizeof(t.server_key));
	expect_mint_refuses(&t, k, "an all-zero server key");
	t.server_key[0] = 1;
	assert_true(net_token_mint(&t, k->sk, text, sizeof(text)) > 0);
	t = sample();
	t.user[0] = '\0';
	expect_mint_refuses(&t, k, "empty user");
	strcpy(t.user, "has space");
	expect_mint_refuses(&t, k, "a space in user");
	memset(t.user, 'u', sizeof(t.user));
	expect_mint_refuses(&t, k, "an unterminated user");
	t = sample();
	t.name[0] = '\0';
	expect_mint_refuses(&t, k, "empty name");
	memset(t.name, 'n', sizeof(t.name));
	expect_mint_refuses(&t, k, "an unterminated name");
	t = sample();
	t.room[0] = '\0';
	expect_mint_refuses(&t, k, "empty room");
	strcpy(t.room, "lab@home");
	expect_mint_refuses(&t, k, "@ in room");
	strcpy(t.room, "../etc");
	expect_mint_refuses(&t, k, "/ in room");

	assert_true(net_token_user_valid("s.1234_x@uni-a.edu"));
	assert_false(net_token_user_valid("s 1234"));
	assert_true(net_token_name_valid("Ada L\xc3\xb6vel\xc3\xa5"));
	assert_false(net_token_name_valid("an overly long display name of 32b"));
	assert_true(net_token_room_valid("physics-101.b_2"));
	assert_false(net_token_room_valid("physics@101"));
}

static void error_texts_say_what_to_do(void **state)
{
	(void)state;
	assert_non_null(strstr(net_token_error_text(NET_TOKEN_EXPIRED), "expired"));
	assert_non_null(strstr(net_token_error_text(NET_TOKEN_EXPIRED), "ask for a new one"));
	assert_non_null(strstr(net_token_error_text(NET_TOKEN_NOT_YET_VALID), "clock"));
	assert_non_null(strstr(net_token_error_text(NET_TOKEN_BAD_SIGNATURE), "signed"));
	assert_non_null(strstr(net_token_error_text(NET_TOKEN_MALFORMED), "copy it again"));
}

/* ---- key files ---- */

struct tmp {
	char dir[64];
	char path[128];
};

static const char *at(struct tmp *t, const char *name)
{
	snprintf(t->path, sizeof(t->path), "%s/%s", t->dir, name);
	return t->path;
}

static void write_text(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static size_t read_text(const char *path, char *out, size_t cap)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	size_t n = fread(out, 1, cap - 1, f);
	out[n] = '\0';
	fclose(f);
	return n;
}

static void key_files(void **state)
{
	const struct keys *k = *state;
	struct tmp tmp;
	strcpy(tmp.dir, "/tmp/test_token.XXXXXX");
	assert_non_null(mkdtemp(tmp.dir));
	char err[1024], key_path[128], pub_path[128];
	snprintf(key_path, sizeof(key_path), "%s", at(&tmp, "token.key"));
	snprintf(pub_path, sizeof(pub_path), "%s", at(&tmp, "token.pub"));

	/* Round trip, and the secret file's mode. */
	assert_int_equal(net_token_key_write(key_path, k->sk, true), CORE_OK);
	assert_int_equal(net_token_key_write(pub_path, k->pk, false), CORE_OK);
	struct stat st;
	assert_int_equal(stat(key_path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	uint8_t sk[NET_TOKEN_SECRET_BYTES], pk[NET_TOKEN_PUBLIC_BYTES];
	assert_int_equal(net_token_key_read(key_path, sk, true, err, sizeof(err)), CORE_OK);
	assert_memory_equal(sk, k->sk, sizeof(sk));
	assert_int_equal(net_token_key_read(pub_path, pk, false, err, sizeof(err)), CORE_OK);
	assert_memory_equal(pk, k->pk, sizeof(pk));
	char line[256];
	read_text(pub_path, line, sizeof(line));
	assert_memory_equal(line, "lyceum-token-public-v1 ", 23);

	/* Keys from files sign and verify. */
	struct net_token t = sample(), got;
	char text[NET_TOKEN_TEXT_MAX];
	size_t len = net_token_mint(&t, sk, text, sizeof(text));
	assert_int_equal(net_token_verify(text, len, pk, T0, &got), NET_TOKEN_OK);

	/* A secret key is never overwritten; a public key is. */
	char before[256], after[256];
	read_text(key_path, before, sizeof(before));
	assert_int_equal(net_token_key_write(key_path, k->other_sk, true), CORE_ERR_REFUSED);
	read_text(key_path, after, sizeof(after));
	assert_string_equal(before, after);
	assert_int_equal(net_token_key_write(pub_path, k->other_pk, false), CORE_OK);
	assert_int_equal(net_token_key_read(pub_path, pk, false, err, sizeof(err)), CORE_OK);
	assert_memory_equal(pk, k->other_pk, sizeof(pk));

	/* The wrong kind of key. */
	assert_int_not_equal(net_token_key_read(pub_path, sk, true, err, sizeof(err)), CORE_OK);
	assert_non_null(strstr(err, pub_path));
	assert_non_null(strstr(err, "this is the token public key"));
	assert_non_null(strstr(err, "give the token.key"));
	assert_int_not_equal(net_token_key_read(key_path, pk, false, err, sizeof(err)), CORE_OK);
	assert_non_null(strstr(err, "this is the token signing key"));
	assert_non_null(strstr(err, "give the token.pub"));
	assert_non_null(strstr(err, "keep token.key private"));

	/* Not regular files: a FIFO must not block, a directory must not be read. */
	const char *fifo = at(&tmp, "fifo");
	assert_int_equal(mkfifo(fifo, 0600), 0);
	alarm(10);
	assert_int_not_equal(net_token_key_read(fifo, pk, false, err, sizeof(err)), CORE_OK);
	alarm(0);
	assert_non_null(strstr(err, fifo));
	assert_non_null(strstr(err, "not a regular file"));
	unlink(fifo);
	assert_int_not_equal(net_token_key_read(tmp.dir, pk, false, err, sizeof(err)), CORE_OK);
	assert_non_null(strstr(err, "not a regular file"));

	/* Missing, too large, foreign, damaged. */
	assert_int_not_equal(net_token_key_read(at(&tmp, "nope.pub"), pk, false, err, sizeof(err)),
			     CORE_OK);
	assert_non_null(strstr(err, "no such file"));
	assert_non_null(strstr(err, "lyceum-token keygen --out DIR"));
	char big[5000];
	memset(big, ' ', sizeof(big));
	read_text(pub_path, big, sizeof(line));
	big[strlen(big)] = ' ';
	write_text(at(&tmp, "big.pub"), big, sizeof(big));
	assert_int_not_equal(net_token_key_read(tmp.path, pk, false, err, sizeof(err)), CORE_OK);
	assert_non_null(strstr(err, "larger than 4096"));
	write_text(at(&tmp, "ssh.pub"), "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA\n", 37);
	assert_int_not_equal(net_token_key_read(tmp.path, pk, false, err, sizeof(err)), CORE_OK);
	assert_non_null(strstr(err, "first word should be lyceum-token-public-v1"));
	write_text(at(&tmp, "short.pub"), "lyceum-token-public-v1 AAAA\n", 28);
	assert_int_not_equal(net_token_key_read(tmp.path, pk, false, err, sizeof(err)), CORE_OK);
	assert_non_null(strstr(err, "not 32 bytes of base64"));
	write_text(at(&tmp, "nul.pub"), line, strlen(line) + 1);
	assert_int_not_equal(net_token_key_read(tmp.path, pk, false, err, sizeof(err)), CORE_OK);
	assert_non_null(strstr(err, "NUL"));

	/* The key line given as text, with the whitespace a file or a variable may add. */
	char padded[300];
	line[strcspn(line, "\n")] = '\0';
	snprintf(padded, sizeof(padded), " \t\n%s\r\n\n", line);
	memset(pk, 0, sizeof(pk));
	assert_int_equal(net_token_key_parse(padded, pk, false, err, sizeof(err)), CORE_OK);
	assert_memory_equal(pk, k->pk, sizeof(pk));
	/* libsodium alone reads any byte >= 0x80 as '/'. */
	char slashes[80] = "lyceum-token-public-v1 //////////////////////////////////////////8=";
	assert_int_equal(net_token_key_parse(slashes, pk, false, err, sizeof(err)), CORE_OK);
	slashes[23] = (char)0xff;
	assert_int_not_equal(net_token_key_parse(slashes, pk, false, err, sizeof(err)), CORE_OK);
	assert_int_not_equal(net_token_key_parse("", pk, false, err, sizeof(err)), CORE_OK);
	assert_non_null(strstr(err, "empty"));
	assert_int_not_equal(net_token_key_parse("lyceum-token-public-v1", pk, false, err,
						 sizeof(err)),
			     CORE_OK);
	/* 32 zero bytes: well formed, but no key. */
	memset(pk, 0x77, sizeof(pk));
	assert_int_not_equal(net_token_key_parse("lyceum-token-public-v1 "
						 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
						 pk, false, err, sizeof(err)),
			     CORE_OK);
	assert_non_null(strstr(err, "all zero"));
	assert_int_equal(pk[0], 0x77);

	/* A secret key whose halves disagree is damaged. */
	read_text(key_path, line, sizeof(line));
	uint8_t bad_sk[NET_TOKEN_SECRET_BYTES];
	memcpy(bad_sk, k->sk, sizeof(bad_sk));
	bad_sk[63] ^= 1;
	snprintf(line, sizeof(line), "lyceum-token-secret-v1 ");
	sodium_bin2base64(line + strlen(line), sizeof(line) - strlen(line), bad_sk, sizeof(bad_sk),
			  sodium_base64_VARIANT_ORIGINAL);
	assert_int_not_equal(net_token_key_parse(line, sk, true, err, sizeof(err)), CORE_OK);
	assert_non_null(strstr(err, "does not match"));

	static const char *const names[] = {"token.key", "token.pub", "big.pub",
					    "ssh.pub",   "short.pub", "nul.pub"};
	for (size_t i = 0; i < CORE_ARRAY_LEN(names); i++)
		unlink(at(&tmp, names[i]));
	assert_int_equal(rmdir(tmp.dir), 0);
}

static void server_key_pairs(void **state)
{
	const struct keys *k = *state;
	uint8_t pk[NET_SERVER_KEY_BYTES], pk2[NET_SERVER_KEY_BYTES], sk2[NET_SERVER_KEY_BYTES];
	assert_int_equal(net_server_key_public(k->server_sk, pk), CORE_OK);
	assert_memory_equal(pk, k->server_pk, sizeof(pk));
	assert_false(sodium_is_zero(k->server_pk, sizeof(k->server_pk)));
	/* Another pair is another key, and the public half follows the secret. */
	assert_int_equal(net_server_keygen(pk2, sk2), CORE_OK);
	assert_memory_not_equal(pk2, k->server_pk, sizeof(pk2));
	assert_memory_not_equal(sk2, k->server_sk, sizeof(sk2));
	assert_int_equal(net_server_key_public(sk2, pk), CORE_OK);
	assert_memory_equal(pk, pk2, sizeof(pk));
	/* It is the X25519 key the key exchange uses: both sides agree. */
	uint8_t shared1[crypto_scalarmult_BYTES], shared2[crypto_scalarmult_BYTES];
	assert_int_equal(crypto_scalarmult(shared1, k->server_sk, pk2), 0);
	assert_int_equal(crypto_scalarmult(shared2, sk2, k->server_pk), 0);
	assert_memory_equal(shared1, shared2, sizeof(shared1));

	char b64[NET_SERVER_KEY_TEXT_MAX], want[NET_SERVER_KEY_TEXT_MAX];
	memset(b64, 'x', sizeof(b64));
	net_server_key_text(k->server_pk, b64);
	sodium_bin2base64(want, sizeof(want), k->server_pk, NET_SERVER_KEY_BYTES,
			  sodium_base64_VARIANT_ORIGINAL);
	assert_string_equal(b64, want);
	assert_int_equal(strlen(b64), NET_SERVER_KEY_TEXT_MAX - 1);
}

static void server_key_files(void **state)
{
	const struct keys *k = *state;
	struct tmp tmp;
	strcpy(tmp.dir, "/tmp/test_token.XXXXXX");
	assert_non_null(mkdtemp(tmp.dir));
	char err[1024], key_path[128], pub_path[128], tok_key[128], tok_pub[128];
	snprintf(key_path, sizeof(key_path), "%s", at(&tmp, "server.key"));
	snprintf(pub_path, sizeof(pub_path), "%s", at(&tmp, "server.pub"));
	snprintf(tok_key, sizeof(tok_key), "%s", at(&tmp, "token.key"));
	snprintf(tok_pub, sizeof(tok_pub), "%s", at(&tmp, "token.pub"));

	/* Round trip, the words, and the secret file's mode. */
	assert_int_equal(net_server_key_write(key_path, k->server_sk, true), CORE_OK);
	assert_int_equal(net_server_key_write(pub_path, k->server_pk, false), CORE_OK);
	struct stat st;
	assert_int_equal(stat(key_path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	uint8_t sk[NET_SERVER_KEY_BYTES], pk[NET_SERVER_KEY_BYTES];
	assert_int_equal(net_server_key_read(key_path, sk, true, err, sizeof(err)), CORE_OK);
	assert_memory_equal(sk, k->server_sk, sizeof(sk));
	assert_int_equal(net_server_key_read(pub_path, pk, false, err, sizeof(err)), CORE_OK);
	assert_memory_equal(pk, k->server_pk, sizeof(pk));
	char line[256], b64[NET_SERVER_KEY_TEXT_MAX];
	read_text(key_path, line, sizeof(line));
	assert_memory_equal(line, "lyceum-server-secret-v1 ", 24);
	read_text(pub_path, line, sizeof(line));
	assert_memory_equal(line, "lyceum-server-public-v1 ", 24);
	net_server_key_text(k->server_pk, b64);
	assert_memory_equal(line + 24, b64, strlen(b64));
	assert_string_equal(line + 24 + strlen(b64), "\n");

	/* A token minted with the key from the file carries it. */
	struct net_token t = sample(), got;
	memcpy(t.server_key, pk, sizeof(pk));
	char text[NET_TOKEN_TEXT_MAX];
	size_t len = net_token_mint(&t, k->sk, text, sizeof(text));
	assert_true(len > 0);
	assert_int_equal(net_token_verify(text, len, k->pk, T0, &got), NET_TOKEN_OK);
	assert_memory_equal(got.server_key, k->server_pk, NET_SERVER_KEY_BYTES);

	/* A secret key is never overwritten; a public key is. */
	uint8_t pk2[NET_SERVER_KEY_BYTES], sk2[NET_SERVER_KEY_BYTES];
	assert_int_equal(net_server_keygen(pk2, sk2), CORE_OK);
	char before[256], after[256];
	read_text(key_path, before, sizeof(before));
	assert_int_equal(net_server_key_write(key_path, sk2, true), CORE_ERR_REFUSED);
	read_text(key_path, after, sizeof(after));
	assert_string_equal(before, after);
	assert_int_equal(net_server_key_write(pub_path, pk2, false), CORE_OK);
	assert_int_equal(net_server_key_read(pub_path, pk, false, err, sizeof(err)), CORE_OK);
	assert_memory_equal(pk, pk2, sizeof(pk));

	/* The wrong half, and token keys where a server key is expected (and back). */
	assert_int_not_equal(net_server_key_read(pub_path, sk, true, err, sizeof(err)), CORE_OK);
	assert_non_null(strstr(err, pub_path));
	assert_non_null(strstr(err, "this is the server public key"));
	assert_non_null(strstr(err, "give the server.key"));
	assert_int_not_equal(net_server_key_read(key_path, pk, false, err, sizeof(err)), CORE_OK);
	assert_non_null(strstr(err, "this is the server secret key"));
	assert_non_null(strstr(err, "keep server.key private"));
	assert_int_equal(net_token_key_write(tok_pub, k->pk, false), CORE_OK);
	assert_int_equal(net_token_key_write(tok_key, k->sk, true), CORE_OK);
	memset(pk, 0x77, sizeof(pk));
	assert_int_not_equal(net_server_key_read(tok_pub, pk, false, err, sizeof(err)), CORE_OK);
	assert_non_null(strstr(err, "server key "));
	assert_non_null(strstr(err, "this is the token public key"));
	assert_non_null(strstr(err, "give the server.pub"));
	assert_int_equal(pk[0], 0x77);
	assert_int_not_equal(net_server_key_read(tok_key, sk, true, err, sizeof(err)), CORE_OK);
	assert_non_null(strstr(err, "this is the token signing key"));
	assert_non_null(strstr(err, "give the server.key"));
	uint8_t tpk[NET_TOKEN_PUBLIC_BYTES], tsk[NET_TOKEN_SECRET_BYTES];
	assert_int_not_equal(net_token_key_read(pub_path, tpk, false, err, sizeof(err)), CORE_OK);
	assert_non_null(strstr(err, "this is the server public key"));
	assert_non_null(strstr(err, "give the token.pub"));
	assert_int_not_equal(net_token_key_read(key_path, tsk, true, err, sizeof(err)), CORE_OK);
	assert_non_null(strstr(err, "this is the server secret key"));

	/* Not regular files: a FIFO must not block, a directory must not be read. */
	const char *fifo = at(&tmp, "fifo");
	assert_int_equal(mkfifo(fifo, 0600), 0);
	alarm(10);
	assert_int_not_equal(net_server_key_read(fifo, pk, false, err, sizeof(err)), CORE_OK);
	assert_non_null(strstr(err, "not a regular file"));
	assert_non_null(strstr(err, "server.pub"));
	assert_int_not_equal(net_server_key_read(fifo, sk, true, err, sizeof(err)), CORE_OK);
	assert_non_null(strstr(err, "server.key"));
	alarm(0);
	unlink(fifo);
	assert_int_not_equal(net_server_key_read(tmp.dir, pk, false, err, sizeof(err)), CORE_OK);
	assert_non_null(strstr(err, "not a regular file"));

	/* Missing, all zero, the wrong length, foreign. */
	assert_int_not_equal(net_server_key_read(at(&tmp, "nope.pub"), pk, false, err,
						 sizeof(err)),
			     CORE_OK);
	assert_non_null(strstr(err, "no such file"));
	assert_non_null(strstr(err, "lyceum-token keygen --out DIR"));
	static const char zero[] =
		"lyceum-server-public-v1 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
	write_text(at(&tmp, "zero.pub"), zero, strlen(zero));
	assert_int_not_equal(net_server_key_read(tmp.path, pk, false, err, sizeof(err)), CORE_OK);
	assert_non_null(strstr(err, "all zero"));
	/* The same line with one bit set is a key. */
	char one[sizeof(zero)];
	memcpy(one, zero, sizeof(zero));
	one[24] = 'B';
	write_text(tmp.path, one, strlen(one));
	assert_int_equal(net_server_key_read(tmp.path, pk, false, err, sizeof(err)), CORE_OK);
	assert_int_equal(pk[0], 0x04);
	/* A 64-byte key under the server's word: a token secret key relabelled. */
	char long_key[200] = "lyceum-server-secret-v1 ";
	sodium_bin2base64(long_key + strlen(long_key), sizeof(long_key) - strlen(long_key), k->sk,
			  NET_TOKEN_SECRET_BYTES, sodium_base64_VARIANT_ORIGINAL);
	write_text(at(&tmp, "long.key"), long_key, strlen(long_key));
	assert_int_not_equal(net_server_key_read(tmp.path, sk, true, err, sizeof(err)), CORE_OK);
	assert_non_null(strstr(err, "not 32 bytes of base64"));
	write_text(at(&tmp, "ssh.pub"), "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA\n", 37);
	assert_int_not_equal(net_server_key_read(tmp.path, pk, false, err, sizeof(err)), CORE_OK);
	assert_non_null(strstr(err, "first word should be lyceum-server-public-v1"));

	static const char *const names[] = {"server.key", "server.pub", "token.key", "token.pub",
					    "zero.pub",   "long.key",   "ssh.pub"};
	for (size_t i = 0; i < CORE_ARRAY_LEN(names); i++)
		unlink(at(&tmp, names[i]));
	assert_int_equal(rmdir(tmp.dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip_every_field),
		cmocka_unit_test(longest_token_fills_text_max_exactly),
		cmocka_unit_test(wrong_key_is_bad_signature),
		cmocka_unit_test(every_bit_flip_is_rejected),
		cmocka_unit_test(time_window_with_skew),
		cmocka_unit_test(every_truncation_is_malformed),
		cmocka_unit_test(every_signed_truncated_body_is_malformed),
		cmocka_unit_test(text_must_be_exact),
		cmocka_unit_test(forged_fields_out_of_range_are_malformed),
		cmocka_unit_test(mint_refuses_invalid_fields),
		cmocka_unit_test(error_texts_say_what_to_do),
		cmocka_unit_test(key_files),
		cmocka_unit_test(server_key_pairs),
		cmocka_unit_test(server_key_files),
	};
	return cmocka_run_group_tests(tests, make_keys, NULL);
}
