/**
 * @file plat.h
 * @brief Monotonic time, sleeping and stop signals.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/** CLOCK_MONOTONIC in microseconds. */
uint64_t plat_time_us(void);
void plat_sleep_us(uint64_t us);
/** Installs SIGINT/SIGTERM handlers that set the stop flag. */
void plat_install_stop_handler(void);
bool plat_stop_requested(void);
/** Raises the open-file limit to the hard limit (one UDP socket per bot). */
void plat_raise_fd_limit(void);
