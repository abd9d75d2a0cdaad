/*
 * For the syntax check only (check-sources.sh): what Debian's AOSP copy of
 * <android/native_activity.h> needs from the NDK's <android/native_window.h>
 * (the window and rectangle types), which Debian does not package.
 */
#pragma once

typedef struct ANativeWindow ANativeWindow;
typedef struct ARect {
	int32_t left, top, right, bottom;
} ARect;
