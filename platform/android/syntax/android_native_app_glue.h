/*
 * For the syntax check only (check-sources.sh): the part of the NDK's
 * sources/android/native_app_glue/android_native_app_glue.h that
 * android_main.c uses, with the NDK's names. The Android build uses the
 * NDK's own header; this folder is never on its include path.
 */
#pragma once

#include <android/looper.h>
#include <android/native_activity.h>

struct android_app;

struct android_poll_source {
	int32_t id;
	struct android_app *app;
	void (*process)(struct android_app *app, struct android_poll_source *source);
};

struct android_app {
	void *userData;
	void (*onAppCmd)(struct android_app *app, int32_t cmd);
	ANativeActivity *activity;
	int destroyRequested;
};

enum { APP_CMD_RESUME = 11, APP_CMD_PAUSE = 13, APP_CMD_DESTROY = 15 };

/* The application's entry point, which the glue's thread calls. */
extern void android_main(struct android_app *app);
