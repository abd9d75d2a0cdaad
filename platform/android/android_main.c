/*
 * android_main.c: Lyceum on Quest and Pico. The NDK's native_app_glue
 * starts android_main on its own thread; it reads the flags the launcher
 * left in the app's files folder, hands the VM and the activity to the
 * OpenXR loader through app_main, and pumps the activity's events every
 * frame. Everything else is the Linux client's code (docs/android.md).
 *
 * lyceum.args (in the app's external files folder, one flag or value a
 * line): e.g. "--server" "classroom.school.org:7777" "--token" "...".
 * "--xr" is always first; without a file the client joins 127.0.0.1.
 */
#include "app.h"

#include <android/log.h>
#include <android_native_app_glue.h>
#include <stdio.h>
#include <string.h>

#define MAX_ARGS 32

static void on_cmd(struct android_app *app, int32_t cmd)
{
	bool *quit = app->userData;
	if (cmd == APP_CMD_DESTROY)
		*quit = true;
}

/* The activity's lifecycle and input queue, without blocking the frame. */
static void pump(void *user, bool *quit)
{
	struct android_app *app = user;
	app->userData = quit;
	app->onAppCmd = on_cmd;
	int events;
	struct android_poll_source *source;
	while (ALooper_pollAll(0, NULL, &events, (void **)&source) >= 0) {
		if (source)
			source->process(app, source);
		if (app->destroyRequested)
			*quit = true;
	}
}

static int read_args(struct android_app *app, char *buf, size_t size, char **argv)
{
	int argc = 0;
	argv[argc++] = "lyceum";
	argv[argc++] = "--xr";
	char path[512];
	snprintf(path, sizeof(path), "%s/lyceum.args",
		 app->activity->externalDataPath ? app->activity->externalDataPath : ".");
	FILE *f = fopen(path, "r");
	if (!f)
		return argc;
	size_t used = 0;
	while (argc < MAX_ARGS && used + 1 < size && fgets(buf + used, (int)(size - used), f)) {
		char *line = buf + used;
		size_t n = strcspn(line, "\r\n");
		line[n] = '\0';
		if (n)
			argv[argc++] = line;
		used += n + 1;
	}
	fclose(f);
	return argc;
}

void android_main(struct android_app *app)
{
	static char buf[4096];
	char *argv[MAX_ARGS + 1] = {0};
	int argc = read_args(app, buf, sizeof(buf), argv);
	struct app_platform plat = {
		.android_vm = app->activity->vm,
		.android_activity = app->activity->clazz,
		.pump = pump,
		.user = app,
	};
	int rc = app_main(argc, argv, &plat);
	__android_log_print(rc ? ANDROID_LOG_ERROR : ANDROID_LOG_INFO, "lyceum",
			    "lyceum finished (status %d)", rc);
	ANativeActivity_finish(app->activity);
}
