#include "ticket.h"

#include <sodium.h>
#include <string.h>

#define TICKET_VERSION 1
#define PLAIN_MAX (1 + 1 + NET_TICKET_ID_BYTES + 1 + (NET_TOKEN_USER_MAX - 1) + 2 * PROTO_NAME_MAX)
_Static_assert(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + PLAIN_MAX <=
		       PROTO_TICKET_MAX,
	       "a sealed ticket must fit WELCOME's ticket field");
_Static_assert(NET_TICKET_KEY_BYTES == crypto_secretbox_KEYBYTES, "key size");

enum core_result net_ticket_key_new(uint8_t out_key[NET_TICKET_KEY_BYTES])
{
	if (sodium_init() < 0)
		return CORE_ERR_INVALID;
	crypto_secretbox_keygen(out_key);
	return CORE_OK;
}

static size_t put_str(uint8_t *p, const char *s)
{
	size_t n = strlen(s);
	p[0] = (uint8_t)n;
	memcpy(p + 1, s, n);
	return n + 1;
}

uint32_t net_ticket_seal(struct net_ticket *t, const uint8_t key[NET_TICKET_KEY_BYTES],
			 uint8_t *out, uint32_t cap)
{
	if (sodium_init() < 0 || strlen(t->user) >= NET_TOKEN_USER_MAX ||
	    strlen(t->name) >= PROTO_NAME_MAX || strlen(t->room) >= PROTO_NAME_MAX)
		return 0;
	uint8_t plain[PLAIN_MAX];
	size_t n = 0;
	randombytes_buf(t->id, sizeof(t->id));
	plain[n++] = TICKET_VERSION;
	plain[n++] = t->role;
	memcpy(plain + n, t->id, sizeof(t->id));
	n += sizeof(t->id);
	n += put_str(plain + n, t->user);
	n += put_str(plain + n, t->name);
	n += put_str(plain + n, t->room);
	size_t total = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + n;
	if (total > cap)
		return 0;
	randombytes_buf(out, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(out + crypto_secretbox_NONCEBYTES, plain, n, out, key);
	sodium_memzero(plain, sizeof(plain));
	return (uint32_t)total;
}

/* Reads a length-prefixed string of at most size - 1 bytes. */
static bool get_str(const uint8_t *p, size_t n, size_t *at, char *out, size_t size)
{
	if (*at >= n)
		return false;
	size_t len = p[(*at)++];
	if (len == 0 || len >= size || len > n - *at || memchr(p + *at, 0, len))
		return false;
	memcpy(out, p + *at, len);
	out[len] = '\0';
	*at += len;
	return true;
}

bool net_ticket_open(const uint8_t *data, uint32_t len, const uint8_t key[NET_TICKET_KEY_BYTES],
		     struct net_ticket *out)
{
	const size_t overhead = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES;
	if (sodium_init() < 0 || len < overhead || len - overhead > PLAIN_MAX)
		return false;
	uint8_t plain[PLAIN_MAX];
	size_t n = len - overhead;
	if (crypto_secretbox_open_easy(plain, data + crypto_secretbox_NONCEBYTES,
				       len - crypto_secretbox_NONCEBYTES, data, key) != 0)
		return false;
	struct net_ticket t;
	memset(&t, 0, sizeof(t));
	size_t at = 0;
	bool ok = n >= 2 + NET_TICKET_ID_BYTES && plain[0] == TICKET_VERSION &&
		  plain[1] < PROTO_ROLE_COUNT;
	if (ok) {
		t.role = plain[1];
		memcpy(t.id, plain + 2, NET_TICKET_ID_BYTES);
		at = 2 + NET_TICKET_ID_BYTES;
		ok = get_str(plain, n, &at, t.user, sizeof(t.user)) &&
		     get_str(plain, n, &at, t.name, sizeof(t.name)) &&
		     get_str(plain, n, &at, t.room, sizeof(t.room)) && at == n;
	}
	sodium_memzero(plain, sizeof(plain));
	if (ok)
		*out = t;
	return ok;
}
