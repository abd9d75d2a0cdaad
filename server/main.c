/* lyceum-server: the headless authoritative server. See sv.h. */
#include "plat.h"
#include "sv.h"

#include <stdio.h>

int main(int argc, char **argv)
{
	core_log_set_level(core_log_level_from_env());
	struct sv_config cfg;
	int rc = sv_config_parse(&cfg, argc, argv);
	if (rc == 1)
		return 0;
	if (rc)
		return rc;
	plat_install_stop_handler();
	static struct sv_server sv;
	if (sv_server_init(&sv, &cfg) != CORE_OK) {
		sv_server_fini(&sv);
		return 1;
	}
	rc = sv_run(&sv);
	sv_server_fini(&sv);
	return rc;
}
