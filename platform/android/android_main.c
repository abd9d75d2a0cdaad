/*
 * android_main.c: Lyceum on Quest and Pico. The NDK's native_app_glue
 * starts android_main on its own thread; it reads the flags the launcher
 * left in the app's files folder, hands the VM and the activity to the
 * OpenXR loader through app_main, and pumps the activity's events every
 * frame. Everything else is the Linux client's code (docs/android.md).
 *
 * The worlds and lessons come from the APK's assets (copied to the app's
 * files folder at start: see copy_assets).
 *
 * lyceum.args (in the app's external files folder, one flag or value a
 * line): e.g. "--server" "classroom.school.org:7777" "--token" "...".
 * "--xr" is always first; without a file the client joins 127.0.0.1.
 *
 * The microphone needs RECORD_AUDIO granted at run time (Android 6 and
 * later): each start without it asks, and waits for the answer (at most
 * 20 s) before the session begins (ask_for_microphone). Refused, the client
 * listens only.
 */
#include "app.h"

#include <android/asset_manager.h>
#include <android/log.h>
#include <android_native_app_glue.h>
#include <errno.h>
#include <jni.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

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
	while (ALooper_pollOnce(0, NULL, &events, (void **)&source) >= 0) {
		if (source)
			source->process(app, source);
		if (app->destroyRequested)
			*quit = true;
	}
}

/* The APK's assets/worlds and assets/lessons copied to the app's files
 * folder (a file API reads them there), each run, so an update's worlds
 * replace the last; LYCEUM_ASSETS then names that folder (core_assets_dir). */
static bool copy_assets(struct android_app *app)
{
	AAssetManager *mgr = app->activity->assetManager;
	const char *root = app->activity->internalDataPath;
	static const char *const dirs[] = {"worlds", "lessons"};
	char path[1024];
	snprintf(path, sizeof(path), "%s/assets", root);
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return false;
	for (size_t d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
		snprintf(path, sizeof(path), "%s/assets/%s", root, dirs[d]);
		if (mkdir(path, 0700) != 0 && errno != EEXIST)
			return false;
		AAssetDir *dir = AAssetManager_openDir(mgr, dirs[d]);
		if (!dir)
			return false;
		const char *name;
		while ((name = AAssetDir_getNextFileName(dir))) {
			char from[512];
			snprintf(from, sizeof(from), "%s/%s", dirs[d], name);
			AAsset *a = AAssetManager_open(mgr, from, AASSET_MODE_STREAMING);
			snprintf(path, sizeof(path), "%s/assets/%s/%s", root, dirs[d], name);
			FILE *f = a ? fopen(path, "wb") : NULL;
			char buf[16384];
			int n;
			while (f && (n = AAsset_read(a, buf, sizeof(buf))) > 0)
				fwrite(buf, 1, (size_t)n, f);
			if (f)
				fclose(f);
			if (a)
				AAsset_close(a);
		}
		AAssetDir_close(dir);
	}
	snprintf(path, sizeof(path), "%s/assets", root);
	return setenv("LYCEUM_ASSETS", path, 1) == 0;
}

#define PERMISSION_WAIT_MS 20000

struct permission_wait {
	bool paused, answered, destroyed;
};

/* The system's dialog pauses the activity; it resumes once answered. */
static void on_cmd_waiting(struct android_app *app, int32_t cmd)
{
	struct permission_wait *w = app->userData;
	if (cmd == APP_CMD_PAUSE)
		w->paused = true;
	else if (cmd == APP_CMD_RESUME && w->paused)
		w->answered = true;
	else if (cmd == APP_CMD_DESTROY)
		w->destroyed = true;
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* True when the activity holds @p permission (Context.checkSelfPermission). */
static bool has_permission(JNIEnv *env, jobject activity, jmethodID check, jstring permission)
{
	jint r = (*env)->CallIntMethod(env, activity, check, permission);
	if ((*env)->ExceptionCheck(env)) {
		(*env)->ExceptionClear(env);
		return false;
	}
	return r == 0; /* PackageManager.PERMISSION_GRANTED */
}

/* An exception pending after a JNI call: cleared, and the call failed. */
static bool jni_failed(JNIEnv *env)
{
	if (!(*env)->ExceptionCheck(env))
		return false;
	(*env)->ExceptionClear(env);
	return true;
}

/* Asks for RECORD_AUDIO (Activity.requestPermissions) when it is not held,
 * and pumps the activity until the answer (the dialog paused it and it
 * resumed), for at most PERMISSION_WAIT_MS: the AAudio microphone opens
 * only once granted. A refusal is seen as the activity resuming without
 * the permission. False when the activity was destroyed meanwhile. */
static bool ask_for_microphone(struct android_app *app)
{
	JavaVM *vm = app->activity->vm;
	JNIEnv *env = NULL;
	bool attached = false, alive = true;
	jint got = (*vm)->GetEnv(vm, (void **)&env, JNI_VERSION_1_6);
	if (got == JNI_EDETACHED) {
		if ((*vm)->AttachCurrentThread(vm, (void *)&env, NULL) != JNI_OK)
			return true;
		attached = true;
	} else if (got != JNI_OK) {
		return true;
	}
	jobject activity = app->activity->clazz;
	jclass cls = (*env)->GetObjectClass(env, activity);
	jmethodID check = NULL, request = NULL;
	jclass string_cls = NULL;
	jstring mic = NULL;
	jobjectArray wanted = NULL;
	bool ok = cls && !jni_failed(env) &&
		  (check = (*env)->GetMethodID(env, cls, "checkSelfPermission",
					       "(Ljava/lang/String;)I")) && !jni_failed(env) &&
		  (request = (*env)->GetMethodID(env, cls, "requestPermissions",
						 "([Ljava/lang/String;I)V")) && !jni_failed(env) &&
		  (string_cls = (*env)->FindClass(env, "java/lang/String")) && !jni_failed(env) &&
		  (mic = (*env)->NewStringUTF(env, "android.permission.RECORD_AUDIO")) &&
		  !jni_failed(env);
	jni_failed(env);
	if (!ok) {
		__android_log_print(ANDROID_LOG_WARN, "lyceum",
				    "cannot ask for the microphone permission; voice listens only");
	} else if (!has_permission(env, activity, check, mic)) {
		wanted = (*env)->NewObjectArray(env, 1, string_cls, mic);
		if (wanted && !jni_failed(env)) {
			(*env)->CallVoidMethod(env, activity, request, wanted, 1);
			jni_failed(env);
		}
		struct permission_wait w = {0};
		void *user = app->userData;
		app->userData = &w;
		app->onAppCmd = on_cmd_waiting;
		uint64_t t0 = now_ms();
		while (wanted && !w.answered && !w.destroyed && !app->destroyRequested &&
		       now_ms() - t0 < PERMISSION_WAIT_MS && !has_permission(env, activity, check, mic)) {
			int events;
			struct android_poll_source *source = NULL;
			if (ALooper_pollOnce(100, NULL, &events, (void **)&source) >= 0 && source)
				source->process(app, source);
		}
		app->onAppCmd = NULL;
		app->userData = user;
		alive = !w.destroyed && !app->destroyRequested;
		if (alive && !has_permission(env, activity, check, mic))
			__android_log_print(ANDROID_LOG_WARN, "lyceum",
					    "RECORD_AUDIO was not granted: voice listens only "
					    "(Settings > Apps > Lyceum > Permissions turns it on)");
	}
	if (wanted)
		(*env)->DeleteLocalRef(env, wanted);
	if (mic)
		(*env)->DeleteLocalRef(env, mic);
	if (string_cls)
		(*env)->DeleteLocalRef(env, string_cls);
	if (cls)
		(*env)->DeleteLocalRef(env, cls);
	if (attached)
		(*vm)->DetachCurrentThread(vm);
	return alive;
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
	if (!copy_assets(app))
		__android_log_print(ANDROID_LOG_ERROR, "lyceum",
				    "the APK's worlds and lessons could not be copied to %s",
				    app->activity->internalDataPath);
	int argc = read_args(app, buf, sizeof(buf), argv);
	if (!ask_for_microphone(app)) {
		ANativeActivity_finish(app->activity);
		return;
	}
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
