/* Join tokens, resume tickets and key files as they arrive: a token in a
 * HELLO (the server decodes and verifies it before anything else), a
 * ticket in a HELLO (opened with the server's key), a key given as text.
 * A token that decodes must describe itself within its limits. */
#include "net/ticket.h"
#include "net/token.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t g_pk[NET_TOKEN_PUBLIC_BYTES], g_ticket_key[NET_TICKET_KEY_BYTES];
static bool g_ready;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!g_ready) {
		uint8_t sk[NET_TOKEN_SECRET_BYTES];
		if (net_token_keygen(g_pk, sk) != CORE_OK || net_ticket_key_new(g_ticket_key) != CORE_OK)
			abort();
		g_ready = true;
	}
	struct net_token t;
	if (net_token_decode((const char *)data, size, &t) == NET_TOKEN_OK) {
		if (t.role >= PROTO_ROLE_COUNT || !t.user[0] || !t.name[0] || !t.room[0] ||
		    strlen(t.user) >= sizeof(t.user) || strlen(t.room) >= sizeof(t.room))
			abort();
	}
	/* Without the matching secret key no input verifies. */
	if (net_token_verify((const char *)data, size, g_pk, 1800000000, &t) == NET_TOKEN_OK)
		abort();
	struct net_ticket ticket;
	if (size <= PROTO_TICKET_MAX && net_ticket_open(data, (uint32_t)size, g_ticket_key, &ticket))
		abort(); /* nothing but the server seals under its key */
	char text[NET_TOKEN_KEY_FILE_MAX + 1], err[300];
	size_t n = size < NET_TOKEN_KEY_FILE_MAX ? size : NET_TOKEN_KEY_FILE_MAX;
	memcpy(text, data, n);
	text[n] = '\0';
	uint8_t key[NET_TOKEN_SECRET_BYTES];
	(void)!net_token_key_parse(text, key, false, err, sizeof(err));
	(void)!net_token_key_parse(text, key, true, err, sizeof(err));
	return 0;
}
