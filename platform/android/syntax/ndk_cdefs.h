/*
 * For the syntax check only (check-sources.sh): bionic's <sys/cdefs.h>
 * macros that Debian's AOSP headers use and glibc does not define.
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#define __INTRODUCED_IN(api)
#define __RENAME_IF_FILE_OFFSET64(name)
typedef int64_t off64_t;
