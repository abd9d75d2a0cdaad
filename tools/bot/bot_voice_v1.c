/* lyceum-bot --scenario voice-v1 (placeholder, being written). */
#include "bot.h"

#include <stdio.h>

int bot_voice_v1_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "lyceum-bot: --scenario voice-v1 is not built yet\n");
	return 2;
}
