/**
 * @file lyceum_token.c
 * @brief lyceum-token: make the signing and server keys, mint join tokens,
 * inspect them.
 *
 * Exit status: 0 done, 1 failed (a file, a key, an invalid token), 2 bad
 * command line.
 */
#include "net/token.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TTL_DEFAULT_S 3600
#define TTL_MAX_S 31536000 /* one year */
#define PATH_MAX_LEN 4096

static const char usage[] =
	"usage: lyceum-token COMMAND [FLAGS]\n"
	"  keygen  --out DIR                 make the signing and server key pairs in DIR\n"
	"  mint    --key FILE --user ID --name NAME --role ROLE --room ROOM [--ttl S]\n"
	"          [--server-key FILE]       print a signed join token\n"
	"  inspect TOKEN [--key FILE] [--json]\n"
	"                                    show what a token says, and check it\n"
	"  lyceum-token COMMAND --help shows the command's flags.\n";

static const char keygen_usage[] =
	"usage: lyceum-token keygen --out DIR\n"
	"  Creates DIR if missing and writes four files:\n"
	"    token.key   secret, mode 0600: signs tokens; keep it on the machine that mints\n"
	"    token.pub   for lyceum-server --token-key: checks the tokens\n"
	"    server.key  secret, mode 0600: for lyceum-server --server-key: proves to\n"
	"                clients that they reached the right server\n"
	"    server.pub  minting needs it: every token carries it\n"
	"  Refuses if token.key or server.key exists: a secret key is never overwritten.\n";

static const char mint_usage[] =
	"usage: lyceum-token mint --key FILE --user ID --name NAME --role ROLE --room ROOM\n"
	"                         [--ttl SECONDS] [--server-key FILE]\n"
	"  --key FILE     the secret key (token.key from keygen)\n"
	"  --server-key FILE\n"
	"                 the public key of the server the token is for (server.pub\n"
	"                 from keygen; default: server.pub next to --key)\n"
	"  --user ID      stable identity, 1-64 of A-Z a-z 0-9 . _ @ -\n"
	"  --name NAME    display name, 1-31 bytes\n"
	"  --role ROLE    student, ta, instructor or observer\n"
	"  --room ROOM    room to join, 1-31 of A-Z a-z 0-9 . _ -\n"
	"  --ttl SECONDS  how long the token works, 1-31536000 (default 3600)\n"
	"  Prints the token on stdout.\n";

static const char inspect_usage[] =
	"usage: lyceum-token inspect TOKEN [--key FILE] [--json]\n"
	"  Prints what the token says, including the server it is for (the key in that\n"
	"  server's server.pub). With --key (the public token.pub) also checks the\n"
	"  signature and the time window; exit 1 if the token is not valid.\n"
	"  --json prints the same as a JSON object.\n";

static int bad_usage(const char *cmd, const char *text, const char *problem, const char *arg)
{
	fprintf(stderr, "lyceum-token %s: %s%s\n%s", cmd, problem, arg ? arg : "", text);
	return 2;
}

/* getopt_long's result for an unknown flag or a missing value, as an exit status. */
static int bad_flag(const char *cmd, const char *text, int c, char **argv)
{
	const char *arg = argv[optind - 1];
	if (c == ':')
		return bad_usage(cmd, text, "this flag needs a value: ", arg);
	return bad_usage(cmd, text, "unknown flag: ", arg);
}

static void role_list(char *out, size_t cap)
{
	out[0] = '\0';
	for (int i = 0; i < PROTO_ROLE_COUNT; i++) {
		size_t n = strlen(out);
		snprintf(out + n, cap - n, "%s%s", i ? ", " : "", proto_role_name((enum proto_role)i));
	}
}

static bool join_path(char out[PATH_MAX_LEN], const char *dir, const char *name)
{
	return snprintf(out, PATH_MAX_LEN, "%s/%s", dir, name) < PATH_MAX_LEN;
}

/* One file keygen writes. */
struct key_out {
	const char *path;
	const uint8_t *key;
	bool secret;
	bool server; /* a server key, else a token key */
};

static enum core_result key_out_write(const struct key_out *o)
{
	if (o->server)
		return net_server_key_write(o->path, o->key, o->secret);
	return net_token_key_write(o->path, o->key, o->secret);
}

static int cmd_keygen(int argc, char **argv)
{
	static const struct option opts[] = {
		{"out", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *dir = NULL;
	int c;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'o') {
			dir = optarg;
		} else if (c == 'h') {
			fputs(keygen_usage, stdout);
			return 0;
		} else {
			return bad_flag("keygen", keygen_usage, c, argv);
		}
	}
	if (optind < argc)
		return bad_usage("keygen", keygen_usage, "unexpected argument: ", argv[optind]);
	if (!dir || !dir[0])
		return bad_usage("keygen", keygen_usage, "--out DIR is required", NULL);

	char key_path[PATH_MAX_LEN], pub_path[PATH_MAX_LEN];
	char server_key_path[PATH_MAX_LEN], server_pub_path[PATH_MAX_LEN];
	if (!join_path(key_path, dir, "token.key") || !join_path(pub_path, dir, "token.pub") ||
	    !join_path(server_key_path, dir, "server.key") ||
	    !join_path(server_pub_path, dir, "server.pub"))
		return bad_usage("keygen", keygen_usage, "--out: the path is too long: ", dir);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "lyceum-token keygen: cannot create directory %s (%s); create it "
				"yourself or pick another --out\n",
			dir, strerror(errno));
		return 1;
	}
	struct stat st;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "lyceum-token keygen: %s is not a directory; pick another --out\n",
			dir);
		return 1;
	}

	/* The key writers refuse too (O_EXCL); this words it for a person before
	 * anything is written. */
	const char *const secrets[] = {key_path, server_key_path};
	for (size_t i = 0; i < CORE_ARRAY_LEN(secrets); i++) {
		if (lstat(secrets[i], &st) == 0) {
			fprintf(stderr, "lyceum-token keygen: %s already exists and is never "
					"overwritten; pick another --out DIR, or delete it first "
					"(tokens made with it then stop working)\n",
				secrets[i]);
			return 1;
		}
	}
	uint8_t pk[NET_TOKEN_PUBLIC_BYTES], sk[NET_TOKEN_SECRET_BYTES];
	uint8_t server_pk[NET_SERVER_KEY_BYTES], server_sk[NET_SERVER_KEY_BYTES];
	size_t written = 0;
	enum core_result r = net_token_keygen(pk, sk);
	if (r == CORE_OK)
		r = net_server_keygen(server_pk, server_sk);
	const struct key_out outs[] = {
		{key_path, sk, true, false},
		{server_key_path, server_sk, true, true},
		{pub_path, pk, false, false},
		{server_pub_path, server_pk, false, true},
	};
	while (r == CORE_OK && written < CORE_ARRAY_LEN(outs)) {
		r = key_out_write(&outs[written]);
		if (r == CORE_OK)
			written++;
	}
	memset(sk, 0, sizeof(sk));
	memset(server_sk, 0, sizeof(server_sk));
	if (r != CORE_OK) {
		/* The reason is logged. A partial set is of no use and would make
		 * the next keygen refuse, so remove what this run wrote. */
		for (size_t i = 0; i < written; i++)
			unlink(outs[i].path);
		fprintf(stderr, "lyceum-token keygen: no keys were kept in %s; fix the problem "
				"above and run it again\n",
			dir);
		return 1;
	}
	printf("token signing key: %s  (secret, mode 0600: lyceum-token mint --key signs "
	       "with it; keep it private)\n",
	       key_path);
	printf("token public key:  %s  (give it to lyceum-server --token-key: it checks the "
	       "tokens)\n",
	       pub_path);
	printf("server secret key: %s  (secret, mode 0600: give it to lyceum-server "
	       "--server-key; keep it private)\n",
	       server_key_path);
	printf("server public key: %s  (minting tokens needs it: lyceum-token mint reads it "
	       "next to token.key, or give --server-key)\n",
	       server_pub_path);
	return 0;
}

static int cmd_mint(int argc, char **argv)
{
	static const struct option opts[] = {
		{"key", required_argument, NULL, 'k'},  {"user", required_argument, NULL, 'u'},
		{"name", required_argument, NULL, 'n'}, {"role", required_argument, NULL, 'r'},
		{"room", required_argument, NULL, 'R'}, {"ttl", required_argument, NULL, 't'},
		{"server-key", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},       {0},
	};
	const char *key = NULL, *user = NULL, *name = NULL, *role = NULL, *room = NULL;
	const char *ttl_text = NULL, *server_key = NULL;
	int c;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'k': key = optarg; break;
		case 'u': user = optarg; break;
		case 'n': name = optarg; break;
		case 'r': role = optarg; break;
		case 'R': room = optarg; break;
		case 't': ttl_text = optarg; break;
		case 's': server_key = optarg; break;
		case 'h': fputs(mint_usage, stdout); return 0;
		default: return bad_flag("mint", mint_usage, c, argv);
		}
	}
	if (optind < argc)
		return bad_usage("mint", mint_usage, "unexpected argument: ", argv[optind]);
	const char *missing = !key ? "--key" : !user ? "--user" : !name ? "--name" : !role ? "--role"
			    : !room ? "--room" : NULL;
	if (missing)
		return bad_usage("mint", mint_usage, "this flag is required: ", missing);

	struct net_token t = {.version = NET_TOKEN_VERSION};
	enum proto_role r;
	if (!proto_role_parse(role, &r)) {
		char roles[128];
		role_list(roles, sizeof(roles));
		fprintf(stderr, "lyceum-token mint: --role '%s' is not a role; use one of %s\n", role,
			roles);
		return 2;
	}
	t.role = (uint8_t)r;
	if (!net_token_user_valid(user)) {
		fprintf(stderr, "lyceum-token mint: --user '%s' is not a user id; use 1-64 characters "
				"from A-Z a-z 0-9 . _ @ - (e.g. a student number or email)\n",
			user);
		return 2;
	}
	if (!net_token_name_valid(name)) {
		fprintf(stderr, "lyceum-token mint: --name '%s' must be 1-%d bytes long\n", name,
			PROTO_NAME_MAX - 1);
		return 2;
	}
	if (!net_token_room_valid(room)) {
		fprintf(stderr, "lyceum-token mint: --room '%s' is not a room name; use 1-%d "
				"characters from A-Z a-z 0-9 . _ -\n",
			room, PROTO_NAME_MAX - 1);
		return 2;
	}
	long long ttl = TTL_DEFAULT_S;
	if (ttl_text) {
		char *end = NULL;
		errno = 0;
		ttl = strtoll(ttl_text, &end, 10);
		if (errno || end == ttl_text || *end || ttl < 1 || ttl > TTL_MAX_S) {
			fprintf(stderr, "lyceum-token mint: --ttl '%s' must be a whole number of "
					"seconds from 1 to %d (one year)\n",
				ttl_text, TTL_MAX_S);
			return 2;
		}
	}
	core_strlcpy(t.user, user, sizeof(t.user));
	core_strlcpy(t.name, name, sizeof(t.name));
	core_strlcpy(t.room, room, sizeof(t.room));

	char server_key_default[PATH_MAX_LEN];
	if (!server_key &&
	    !net_key_file_beside(key, "server.pub", server_key_default, sizeof(server_key_default)))
		return bad_usage("mint", mint_usage, "--key: the path is too long: ", key);
	const char *server_key_path = server_key ? server_key : server_key_default;
	char err[1024];
	if (net_server_key_read(server_key_path, t.server_key, false, err, sizeof(err)) !=
	    CORE_OK) {
		fprintf(stderr, "lyceum-token mint: %s\n", err);
		if (!server_key)
			fprintf(stderr, "lyceum-token mint: server.pub next to --key is only the "
					"default; give --server-key FILE, the server.pub of the "
					"server this token is for, or run lyceum-token keygen\n");
		return 1;
	}

	uint8_t sk[NET_TOKEN_SECRET_BYTES];
	if (net_token_key_read(key, sk, true, err, sizeof(err)) != CORE_OK) {
		fprintf(stderr, "lyceum-token mint: %s\n", err);
		return 1;
	}
	t.issued_at = (int64_t)time(NULL);
	t.expires_at = t.issued_at + ttl;
	char text[NET_TOKEN_TEXT_MAX];
	size_t n = 0;
	if (net_token_new_id(t.id) == CORE_OK)
		n = net_token_mint(&t, sk, text, sizeof(text));
	memset(sk, 0, sizeof(sk));
	if (!n) {
		fprintf(stderr, "lyceum-token mint: signing failed; run it again, and report a bug "
				"if it keeps failing\n");
		return 1;
	}
	printf("%s\n", text);
	return 0;
}

static void iso_time(int64_t unix_s, char *out, size_t cap)
{
	time_t t = (time_t)unix_s;
	struct tm tm;
	if (!gmtime_r(&t, &tm) || !strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm))
		core_strlcpy(out, "(out of range)", cap);
}

/* The name is only length-checked: show control bytes (and, for JSON,
 * anything outside ASCII when it is not UTF-8) as \xNN. */
static void escape_name(const char *in, bool ascii_only, char *out, size_t cap)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)in; *p && n + 5 < cap; p++) {
		if (*p < 0x20 || *p == 0x7f || (ascii_only && *p >= 0x80)) {
			snprintf(out + n, cap - n, "\\x%02x", *p);
			n += 4;
		} else {
			out[n] = (char)*p;
			n++;
		}
	}
	out[n] = '\0';
}

struct inspect_result {
	const struct net_token *t;
	const char *key_path; /* NULL: signature not checked */
	enum net_token_error verdict;
	bool expired, not_yet_valid;
};

static int print_json(const struct inspect_result *ir, const char *id_hex,
		      const char *server_key)
{
	const struct net_token *t = ir->t;
	char issued[32], expires[32], name[PROTO_NAME_MAX * 4 + 1];
	iso_time(t->issued_at, issued, sizeof(issued));
	iso_time(t->expires_at, expires, sizeof(expires));
	json_t *name_json = json_string(t->name);
	if (!name_json) {
		escape_name(t->name, true, name, sizeof(name));
		name_json = json_string(name);
	}
	const char *signature = !ir->key_path			       ? "not checked"
				: ir->verdict == NET_TOKEN_BAD_SIGNATURE ? "invalid"
									 : "valid";
	json_t *o = json_pack("{s:i,s:s,s:s,s:o,s:s,s:s,s:I,s:s,s:I,s:s,s:s,s:s,s:b,s:b}",
			      "version", t->version, "role",
			      proto_role_name((enum proto_role)t->role), "user", t->user, "name",
			      name_json, "room", t->room, "issued_at", issued, "issued_at_unix",
			      (json_int_t)t->issued_at, "expires_at", expires, "expires_at_unix",
			      (json_int_t)t->expires_at, "token_id", id_hex, "server_key",
			      server_key, "signature", signature, "expired", ir->expired,
			      "not_yet_valid", ir->not_yet_valid);
	if (!o)
		return 1;
	if (ir->key_path) {
		json_object_set_new(o, "valid", json_boolean(ir->verdict == NET_TOKEN_OK));
		if (ir->verdict != NET_TOKEN_OK)
			json_object_set_new(o, "error", json_string(net_token_error_text(ir->verdict)));
	}
	char *text = json_dumps(o, JSON_INDENT(2));
	json_decref(o);
	if (!text)
		return 1;
	printf("%s\n", text);
	free(text);
	return 0;
}

static void print_text(const struct inspect_result *ir, const char *id_hex,
		       const char *server_key, int64_t now)
{
	const struct net_token *t = ir->t;
	char issued[32], expires[32], name[PROTO_NAME_MAX * 4 + 1];
	iso_time(t->issued_at, issued, sizeof(issued));
	iso_time(t->expires_at, expires, sizeof(expires));
	escape_name(t->name, false, name, sizeof(name));
	printf("version:    %u\n", t->version);
	printf("role:       %s\n", proto_role_name((enum proto_role)t->role));
	printf("user:       %s\n", t->user);
	printf("name:       %s\n", name);
	printf("room:       %s\n", t->room);
	printf("issued:     %s (%lld)\n", issued, (long long)t->issued_at);
	printf("expires:    %s (%lld)\n", expires, (long long)t->expires_at);
	printf("token id:   %s\n", id_hex);
	printf("server key: %s\n", server_key);
	if (!ir->key_path)
		printf("signature:  not checked (give --key)\n");
	else if (ir->verdict == NET_TOKEN_BAD_SIGNATURE)
		printf("signature:  INVALID: not signed with the key in %s\n", ir->key_path);
	else
		printf("signature:  valid (key %s)\n", ir->key_path);
	if (ir->expired)
		printf("expired:    yes, %lld s ago\n", (long long)(now - t->expires_at));
	else if (ir->not_yet_valid)
		printf("expired:    no, but not valid for another %lld s (issued in the future)\n",
		       (long long)(t->issued_at - NET_TOKEN_SKEW_S - now));
	else
		printf("expired:    no, %lld s left\n", (long long)(t->expires_at - now));
	if (ir->key_path)
		printf("valid:      %s\n", ir->verdict == NET_TOKEN_OK
						  ? "yes"
						  : net_token_error_text(ir->verdict));
}

static int cmd_inspect(int argc, char **argv)
{
	static const struct option opts[] = {
		{"key", required_argument, NULL, 'k'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *key = NULL;
	bool json = false;
	int c;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'k') {
			key = optarg;
		} else if (c == 'j') {
			json = true;
		} else if (c == 'h') {
			fputs(inspect_usage, stdout);
			return 0;
		} else {
			return bad_flag("inspect", inspect_usage, c, argv);
		}
	}
	if (argc - optind != 1)
		return bad_usage("inspect", inspect_usage, "give exactly one TOKEN", NULL);
	const char *text = argv[optind];

	struct net_token t;
	enum net_token_error e = net_token_decode(text, strlen(text), &t);
	if (e != NET_TOKEN_OK) {
		fprintf(stderr, "lyceum-token inspect: %s\n", net_token_error_text(e));
		return 1;
	}
	int64_t now = (int64_t)time(NULL);
	struct inspect_result ir = {
		.t = &t,
		.key_path = key,
		.verdict = NET_TOKEN_OK,
		.expired = now >= t.expires_at,
		.not_yet_valid = now < t.issued_at - NET_TOKEN_SKEW_S,
	};
	if (key) {
		uint8_t pk[NET_TOKEN_PUBLIC_BYTES];
		char err[1024];
		if (net_token_key_read(key, pk, false, err, sizeof(err)) != CORE_OK) {
			fprintf(stderr, "lyceum-token inspect: %s\n", err);
			return 1;
		}
		struct net_token checked;
		ir.verdict = net_token_verify(text, strlen(text), pk, now, &checked);
	}
	char id_hex[NET_TOKEN_ID_BYTES * 2 + 1];
	for (int i = 0; i < NET_TOKEN_ID_BYTES; i++)
		snprintf(id_hex + 2 * i, 3, "%02x", t.id[i]);
	char server_key[NET_SERVER_KEY_TEXT_MAX];
	net_server_key_text(t.server_key, server_key);
	if (json) {
		if (print_json(&ir, id_hex, server_key) != 0) {
			fprintf(stderr, "lyceum-token inspect: could not build the JSON output\n");
			return 1;
		}
	} else {
		print_text(&ir, id_hex, server_key, now);
	}
	return ir.verdict == NET_TOKEN_OK ? 0 : 1;
}

int main(int argc, char **argv)
{
	core_log_set_level(core_log_level_from_env());
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		fputs(usage, stdout);
		return 0;
	}
	if (!strcmp(cmd, "keygen"))
		return cmd_keygen(argc - 1, argv + 1);
	if (!strcmp(cmd, "mint"))
		return cmd_mint(argc - 1, argv + 1);
	if (!strcmp(cmd, "inspect"))
		return cmd_inspect(argc - 1, argv + 1);
	fprintf(stderr, "lyceum-token: unknown command '%s'\n%s", cmd, usage);
	return 2;
}
