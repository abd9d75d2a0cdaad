/*
 * xrt_script.c: the simulated user and the script that moves it.
 *
 * LYCEUM_XRT_SCRIPT names a text file of lines "at SECONDS COMMAND ARGS...",
 * seconds counted from xrBeginSession on CLOCK_MONOTONIC. The file is read
 * and checked at xrCreateInstance (a bad line fails it, naming file and
 * line); lines are applied in time order, stable for equal times, by the
 * first xrWaitFrame, xrSyncActions, xrLocateSpace, xrLocateViews or
 * xrPollEvent at or after their time. Stage space: metres, +y up, -z forward.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xrt_internal.h"

#define MAX_TOKENS 16

XrPosef xrt_pose_from(float x, float y, float z, float yaw_deg, float pitch_deg)
{
	float yaw = yaw_deg * (float)XRT_PI / 180.0f, pitch = pitch_deg * (float)XRT_PI / 180.0f;
	XrQuaternionf qy = { 0.0f, sinf(yaw / 2.0f), 0.0f, cosf(yaw / 2.0f) };
	XrQuaternionf qp = { sinf(pitch / 2.0f), 0.0f, 0.0f, cosf(pitch / 2.0f) };
	XrPosef p = { xrt_quat_mul(qy, qp), { x, y, z } };
	return p;
}

void xrt_sim_reset(void)
{
	memset(&xrt.sim, 0, sizeof(xrt.sim));
	xrt.sim.head = xrt_pose_from(0.0f, 1.6f, 0.0f, 0.0f, 0.0f);
	xrt.sim.hand[XRT_LEFT].grip = xrt_pose_from(-0.2f, 1.2f, -0.3f, 0.0f, 0.0f);
	xrt.sim.hand[XRT_RIGHT].grip = xrt_pose_from(0.2f, 1.2f, -0.3f, 0.0f, 0.0f);
	xrt.sim.ipd_m = 0.064f;
}

void xrt_script_free(void)
{
	free(xrt.script);
	xrt.script = NULL;
	xrt.n_script = xrt.next_script = 0;
}

static bool number(const char *s, float lo, float hi, float *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end != '\0' || !isfinite(v) || v < lo || v > hi)
		return false;
	*out = (float)v;
	return true;
}

static int side(const char *s)
{
	if (strcmp(s, "left") == 0)
		return XRT_LEFT;
	if (strcmp(s, "right") == 0)
		return XRT_RIGHT;
	return -1;
}

static bool on_off(const char *s, bool *out)
{
	if (strcmp(s, "on") == 0)
		*out = true;
	else if (strcmp(s, "off") == 0)
		*out = false;
	else
		return false;
	return true;
}

static bool numbers(char **tok, int n, int min, int max, float lo, float hi, struct xrt_script_line *l)
{
	if (n < min || n > max)
		return false;
	for (int i = 0; i < n; i++)
		if (!number(tok[i], lo, hi, &l->v[i]))
			return false;
	l->nv = n;
	return true;
}

/* One line's command, after "at SECONDS"; the usage to print when it is wrong, or NULL. */
static const char *parse_command(char **tok, int n, struct xrt_script_line *l)
{
	const char *cmd = tok[0];
	tok++;
	n--;
	if (strcmp(cmd, "head") == 0) {
		l->cmd = XRT_CMD_HEAD;
		return numbers(tok, n, 3, 5, -1e4f, 1e4f, l) ? NULL : "head X Y Z [YAW_DEG [PITCH_DEG]]";
	}
	if (strcmp(cmd, "hand") == 0) {
		l->cmd = XRT_CMD_HAND;
		if (n < 1 || (l->hand = side(tok[0])) < 0 || !numbers(tok + 1, n - 1, 3, 5, -1e4f, 1e4f, l))
			return "hand left|right X Y Z [YAW_DEG [PITCH_DEG]]";
		return NULL;
	}
	if (strcmp(cmd, "stick") == 0) {
		l->cmd = XRT_CMD_STICK;
		if (n < 1 || (l->hand = side(tok[0])) < 0 || !numbers(tok + 1, n - 1, 2, 2, -1.0f, 1.0f, l))
			return "stick left|right X Y   (each -1 to 1)";
		return NULL;
	}
	if (strcmp(cmd, "trigger") == 0 || strcmp(cmd, "squeeze") == 0) {
		l->cmd = cmd[0] == 't' ? XRT_CMD_TRIGGER : XRT_CMD_SQUEEZE;
		if (n < 1 || (l->hand = side(tok[0])) < 0 || !numbers(tok + 1, n - 1, 1, 1, 0.0f, 1.0f, l))
			return l->cmd == XRT_CMD_TRIGGER ? "trigger left|right V   (0 to 1)"
							 : "squeeze left|right V   (0 to 1)";
		return NULL;
	}
	if (strcmp(cmd, "button") == 0) {
		static const char *const names[] = { "a", "x", "b", "y", "menu", "thumbstick", "select" };
		static const enum xrt_button buttons[] = { XRT_BTN_LOWER, XRT_BTN_LOWER, XRT_BTN_UPPER, XRT_BTN_UPPER,
							   XRT_BTN_MENU, XRT_BTN_THUMBSTICK, XRT_BTN_SELECT };
		const char *usage = "button left|right a|b|x|y|menu|thumbstick|select on|off";
		if (n != 3 || (l->hand = side(tok[0])) < 0 || !on_off(tok[2], &l->on))
			return usage;
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			if (strcmp(tok[1], names[i]) == 0) {
				l->cmd = XRT_CMD_BUTTON;
				l->button = buttons[i];
				return NULL;
			}
		}
		return usage;
	}
	if (strcmp(cmd, "focus") == 0) {
		l->cmd = XRT_CMD_FOCUS;
		return n == 1 && on_off(tok[0], &l->on) ? NULL : "focus on|off";
	}
	if (strcmp(cmd, "exit") == 0 || strcmp(cmd, "loss") == 0) {
		l->cmd = cmd[0] == 'e' ? XRT_CMD_EXIT : XRT_CMD_LOSS;
		return n == 0 ? NULL : (l->cmd == XRT_CMD_EXIT ? "exit   (no arguments)" : "loss   (no arguments)");
	}
	if (strcmp(cmd, "ipd") == 0) {
		l->cmd = XRT_CMD_IPD;
		return numbers(tok, n, 1, 1, 0.0f, 200.0f, l) ? NULL : "ipd MM   (0 to 200)";
	}
	return "a command: head, hand, stick, trigger, squeeze, button, focus, exit, loss or ipd";
}

bool xrt_script_load(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		xrt_error("LYCEUM_XRT_SCRIPT: cannot open %s: %s", path, strerror(errno));
		return false;
	}
	char *buf = NULL;
	size_t cap = 0, n_alloc = 0;
	int lineno = 0;
	bool ok = true;
	while (getline(&buf, &cap, f) >= 0) {
		lineno++;
		char *hash = strchr(buf, '#');
		if (hash)
			*hash = '\0';
		char *tok[MAX_TOKENS], *save = NULL;
		int n = 0;
		for (char *t = strtok_r(buf, " \t\r\n", &save); t; t = strtok_r(NULL, " \t\r\n", &save)) {
			if (n == MAX_TOKENS) {
				n = -1;
				break;
			}
			tok[n++] = t;
		}
		if (n == 0)
			continue;
		struct xrt_script_line l = { .line = lineno };
		float at;
		const char *usage = NULL;
		if (n < 3 || strcmp(tok[0], "at") != 0 || !number(tok[1], 0.0f, 1e6f, &at))
			usage = "at SECONDS COMMAND ARGS...   (SECONDS from xrBeginSession, 0 or more)";
		else
			usage = parse_command(tok + 2, n - 2, &l);
		if (usage) {
			xrt_error("%s:%d: want %s", path, lineno, usage);
			ok = false;
			break;
		}
		l.at_ns = (int64_t)((double)at * 1e9);
		if (xrt.n_script == n_alloc) {
			n_alloc = n_alloc ? n_alloc * 2 : 32;
			struct xrt_script_line *grown = realloc(xrt.script, n_alloc * sizeof(*grown));
			if (!grown) {
				xrt_error("%s: out of memory", path);
				ok = false;
				break;
			}
			xrt.script = grown;
		}
		/* insertion keeps equal times in file order */
		size_t i = xrt.n_script++;
		while (i > 0 && xrt.script[i - 1].at_ns > l.at_ns) {
			xrt.script[i] = xrt.script[i - 1];
			i--;
		}
		xrt.script[i] = l;
	}
	if (ok && ferror(f)) {
		xrt_error("%s: read error: %s", path, strerror(errno));
		ok = false;
	}
	free(buf);
	fclose(f);
	if (!ok)
		xrt_script_free();
	return ok;
}

static void apply(const struct xrt_script_line *l)
{
	struct xrt_hand *h = l->hand >= 0 && l->hand < 2 ? &xrt.sim.hand[l->hand] : NULL;
	float yaw = l->nv > 3 ? l->v[3] : 0.0f, pitch = l->nv > 4 ? l->v[4] : 0.0f;
	switch (l->cmd) {
	case XRT_CMD_HEAD:
		xrt.sim.head = xrt_pose_from(l->v[0], l->v[1], l->v[2], yaw, pitch);
		break;
	case XRT_CMD_HAND:
		h->grip = xrt_pose_from(l->v[0], l->v[1], l->v[2], yaw, pitch);
		break;
	case XRT_CMD_STICK:
		h->stick.x = l->v[0];
		h->stick.y = l->v[1];
		break;
	case XRT_CMD_TRIGGER:
		h->trigger = l->v[0];
		break;
	case XRT_CMD_SQUEEZE:
		h->squeeze = l->v[0];
		break;
	case XRT_CMD_BUTTON:
		switch (l->button) {
		case XRT_BTN_LOWER:
			h->lower = l->on;
			break;
		case XRT_BTN_UPPER:
			h->upper = l->on;
			break;
		case XRT_BTN_MENU:
			h->menu = l->on;
			break;
		case XRT_BTN_THUMBSTICK:
			h->thumbstick = l->on;
			break;
		case XRT_BTN_SELECT:
			h->select = l->on;
			break;
		}
		break;
	case XRT_CMD_FOCUS:
		xrt_session_focus(l->on);
		break;
	case XRT_CMD_EXIT:
		xrt_session_exit();
		break;
	case XRT_CMD_LOSS:
		xrt_session_loss();
		break;
	case XRT_CMD_IPD:
		xrt.sim.ipd_m = l->v[0] / 1000.0f;
		break;
	}
}

/* A bit for each press-like control of a hand (0: the line is none): the
 * trigger, the squeeze, and each button. */
static uint32_t control_bit(const struct xrt_script_line *l)
{
	if (l->cmd == XRT_CMD_TRIGGER)
		return 1u;
	if (l->cmd == XRT_CMD_SQUEEZE)
		return 2u;
	return l->cmd == XRT_CMD_BUTTON ? 4u << l->button : 0;
}

void xrt_script_apply(void)
{
	const struct xrt_session *s = &xrt.session;
	if (!s->live || s->begin_ns == 0)
		return;
	int64_t t = xrt_now_ns() - s->begin_ns;
	while (xrt.next_script < xrt.n_script && xrt.script[xrt.next_script].at_ns <= t) {
		const struct xrt_script_line *l = &xrt.script[xrt.next_script];
		/* The scripted hand holds a press until the app has synced once
		 * (as a hand would hold it for the runtime's next sample): a frame
		 * slower than the press (under the sanitizers) must not
		 * swallow it whole. What follows waits with it. */
		uint32_t bit = control_bit(l);
		struct xrt_hand *h = l->hand >= 0 && l->hand < 2 ? &xrt.sim.hand[l->hand] : NULL;
		if (bit && h && (h->unsynced & bit))
			break;
		xrt.next_script++;
		apply(l);
		if (bit && h)
			h->unsynced |= bit;
	}
}
