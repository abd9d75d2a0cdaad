/*
 * app_main.c: lyceum's flags and its loop.
 */
#include "app.h"

#include "plat.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_FONT "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

static const char usage[] =
	"usage: lyceum [options]\n"
	"The Lyceum desktop client: joins a classroom on a lyceum-server and draws it.\n"
	"  --server HOST:PORT   server to join (default 127.0.0.1:7777; LYCEUM_SERVER)\n"
	"  --room NAME          room to join (default lobby; LYCEUM_ROOM)\n"
	"  --name NAME          your display name (default $USER)\n"
	"  --role ROLE          student, ta, instructor or observer (default student; a\n"
	"                       server without a token key admits students only)\n"
	"  --token TOKEN        join token from your teacher or lyceum-token (LYCEUM_TOKEN):\n"
	"                       the room, name and role come from it\n"
	"  --zone NAME          appear in this zone of the room's world (default: any)\n"
	"  --worlds DIR         where world files are (default: the assets folder's worlds/;\n"
	"                       LYCEUM_ASSETS names the assets folder)\n"
	"  --headless           no window: render offscreen (needs no display)\n"
	"  --screenshot FILE    write frame N (--frames) as PNG, then exit\n"
	"  --scene-json FILE    with --screenshot: the avatars, label boxes and wall boards on it,\n"
	"                       as JSON\n"
	"  --frames N           exit after N frames (default: run until closed)\n"
	"  --stats              print frame CPU time (median, p99), draws and fps at exit\n"
	"  --no-vsync           do not wait for the display (for measurements)\n"
	"  --size WxH           window or offscreen size (default 1280x720)\n"
	"  --fullscreen         start fullscreen (F11 toggles)\n"
	"  --zoom Z             start zoom (default 1; wheel and +/- change it)\n"
	"  --msaa N             samples per pixel: 1, 2, 4 or 8 (default 4)\n"
	"  --font FILE.ttf      label and HUD font (default DejaVu Sans)\n"
	"  --no-labels          hide the name labels\n"
	"  --validation         enable the Vulkan validation layers; exit 3 if they report\n"
	"  --demo N             no server: a seeded class of N avatars (golden images, bench)\n"
	"  --world NAME|FILE    with --demo: the world (default classroom)\n"
	"  --seed S             with --demo: the seed (default 1)\n"
	"  --resize-at F:WxH    resize the window at frame F (tests)\n"
	"  --input-script FILE  with --headless: replay keys and clicks from FILE (tests)\n"
	"  --audio-in NAME      microphone: a device name or part of one (default: the system's)\n"
	"  --audio-out NAME     loudspeaker or headphones, likewise\n"
	"  --list-audio-devices print the audio devices and exit\n"
	"  --no-audio           no microphone and no sound\n"
	"  --push-to-talk       start in push-to-talk (hold V) instead of voice activity\n"
	"  --frame-ms 10|20     voice frame length (default 20; 10 halves the framing delay)\n"
	"  --bitrate BPS        Opus bitrate, 6000-128000 (default 24000)\n"
	"  --xr                 join in a headset through OpenXR (the active runtime, or\n"
	"                       XR_RUNTIME_JSON's): the room at true scale; --frames N ends\n"
	"                       the session after N frames\n"
	"  --xr-multiview on|off|auto  both eyes in one pass (VK_KHR_multiview) or a pass\n"
	"                       each; auto (default): on where the device has it, except\n"
	"                       Mesa's llvmpipe, whose multiview drops clipped triangles\n"
	"  --xr-smooth-turn     turn smoothly with the right stick (default: 30-degree snaps)\n"
	"  --xr-refresh HZ      ask the headset for this display rate (72, 90, 120...) when it\n"
	"                       offers a choice\n"
	"Keys: WASD/arrows move, click walks (or takes the clicked seat), E sits or stands,\n"
	"wheel or +/- zoom, M mutes, T push-to-talk or voice activity, V talks (push-to-talk),\n"
	"Y speaks to the whole room (instructor, floor), [ ] select a roster member and , .\n"
	"make them quieter or louder for you, Tab shows the roster, F11 fullscreen, Esc closes the board, twice leaves.\n"
	"Boards: F2 opens the one you stand at full-screen; drag to draw (on its wall too,\n"
	"standing at it), C colour, P width, Delete eraser, Z undo, R redo; Q picks up an item.\n"
	"Chat: Enter; /z zone, /q question, /a announce, /answer, /save, /save-board,\n"
	"/clear-board, /lesson NAME, /lesson stop, /next.\n"
	"Exit status: 0 ok, 1 failure, 2 bad flags, 3 validation messages.\n";

static bool parse_long(const char *flag, const char *v, long lo, long hi, long *out)
{
	char *end;
	long n = strtol(v, &end, 10);
	if (!v[0] || *end || n < lo || n > hi) {
		fprintf(stderr, "lyceum: %s '%s' must be a whole number from %ld to %ld\n", flag, v,
			lo, hi);
		return false;
	}
	*out = n;
	return true;
}

static bool parse_size(const char *flag, const char *v, uint32_t *w, uint32_t *h)
{
	unsigned a, b;
	char extra;
	if (sscanf(v, "%ux%u%c", &a, &b, &extra) != 2 || a < 64 || b < 64 || a > 8192 || b > 8192) {
		fprintf(stderr, "lyceum: %s '%s' must be WIDTHxHEIGHT, 64 to 8192 each (e.g. 1280x720)\n",
			flag, v);
		return false;
	}
	*w = a;
	*h = b;
	return true;
}

/* The environment's value of @p name, or @p fallback when unset or empty. */
static const char *env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);
	return v && v[0] ? v : fallback;
}

static int parse_args(struct app_options *o, int argc, char **argv)
{
	*o = (struct app_options){
		.server = env_or("LYCEUM_SERVER", "127.0.0.1:7777"),
		.room = env_or("LYCEUM_ROOM", NULL),
		.name = env_or("USER", "guest"),
		.role = PROTO_ROLE_STUDENT,
		.token = env_or("LYCEUM_TOKEN", NULL),
		.worlds_dir = core_assets_dir(CORE_ASSETS_WORLDS),
		.world = "classroom",
		.font = DEFAULT_FONT,
		.vsync = true,
		.labels = true,
		.msaa = 4,
		.width = 1280,
		.height = 720,
		.seed = 1,
		.zoom = 1.0f,
		.resize_frame = -1,
		.frame_ms = 20,
		.bitrate_bps = 24000,
		.xr_multiview = -1,
	};
	for (int i = 1; i < argc; i++) {
		const char *f = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		long n;
		bool takes = true;
		if (!strcmp(f, "--help") || !strcmp(f, "-h")) {
			fputs(usage, stdout);
			exit(0);
		} else if (!strcmp(f, "--headless")) {
			o->headless = true;
			takes = false;
		} else if (!strcmp(f, "--stats")) {
			o->stats = true;
			takes = false;
		} else if (!strcmp(f, "--no-vsync")) {
			o->vsync = false;
			takes = false;
		} else if (!strcmp(f, "--fullscreen")) {
			o->fullscreen = true;
			takes = false;
		} else if (!strcmp(f, "--validation")) {
			o->validation = true;
			takes = false;
		} else if (!strcmp(f, "--list-audio-devices")) {
			exit(app_voice_list_devices());
		} else if (!strcmp(f, "--no-audio")) {
			o->no_audio = true;
			takes = false;
		} else if (!strcmp(f, "--push-to-talk")) {
			o->push_to_talk = true;
			takes = false;
		} else if (!strcmp(f, "--zone") && v) {
			o->zone = v;
		} else if (!strcmp(f, "--audio-in") && v) {
			o->audio_in = v;
		} else if (!strcmp(f, "--audio-out") && v) {
			o->audio_out = v;
		} else if (!strcmp(f, "--frame-ms") && v) {
			if (!parse_long(f, v, 10, 20, &n) || (n != 10 && n != 20)) {
				fprintf(stderr, "lyceum: --frame-ms is 10 or 20\n");
				return 2;
			}
			o->frame_ms = (int)n;
		} else if (!strcmp(f, "--bitrate") && v) {
			if (!parse_long(f, v, 6000, 128000, &n))
				return 2;
			o->bitrate_bps = (int)n;
		} else if (!strcmp(f, "--xr")) {
			o->xr = true;
			takes = false;
		} else if (!strcmp(f, "--xr-smooth-turn")) {
			o->xr_smooth_turn = true;
			takes = false;
		} else if (!strcmp(f, "--xr-multiview") && v) {
			if (strcmp(v, "on") && strcmp(v, "off") && strcmp(v, "auto")) {
				fprintf(stderr, "lyceum: --xr-multiview is on, off or auto\n");
				return 2;
			}
			o->xr_multiview = !strcmp(v, "on") ? 1 : !strcmp(v, "off") ? 0 : -1;
		} else if (!strcmp(f, "--xr-refresh") && v) {
			if (!parse_long(f, v, 30, 240, &n))
				return 2;
			o->xr_refresh_hz = (float)n;
		} else if (!strcmp(f, "--no-labels")) {
			o->labels = false;
			takes = false;
		} else if (!v) {
			fprintf(stderr, "lyceum: %s needs a value, or is not a flag (see --help)\n", f);
			return 2;
		} else if (!strcmp(f, "--server")) {
			o->server = v;
		} else if (!strcmp(f, "--room")) {
			o->room = v;
		} else if (!strcmp(f, "--name")) {
			if (!v[0] || strlen(v) >= PROTO_NAME_MAX) {
				fprintf(stderr, "lyceum: --name must be 1 to %d bytes\n", PROTO_NAME_MAX - 1);
				return 2;
			}
			o->name = v;
		} else if (!strcmp(f, "--role")) {
			if (!proto_role_parse(v, &o->role)) {
				fprintf(stderr, "lyceum: --role '%s': use student, ta, instructor or "
						"observer\n",
					v);
				return 2;
			}
		} else if (!strcmp(f, "--token")) {
			if (!v[0] || strlen(v) >= PROTO_TOKEN_MAX) {
				fprintf(stderr, "lyceum: --token is empty or too long to be a join token\n");
				return 2;
			}
			o->token = v;
		} else if (!strcmp(f, "--worlds")) {
			o->worlds_dir = v;
		} else if (!strcmp(f, "--world")) {
			o->world = v;
		} else if (!strcmp(f, "--font")) {
			o->font = v;
		} else if (!strcmp(f, "--screenshot")) {
			o->screenshot = v;
		} else if (!strcmp(f, "--scene-json")) {
			o->scene_json = v;
		} else if (!strcmp(f, "--frames")) {
			if (!parse_long(f, v, 1, 100000000, &o->frames))
				return 2;
		} else if (!strcmp(f, "--size")) {
			if (!parse_size(f, v, &o->width, &o->height))
				return 2;
		} else if (!strcmp(f, "--zoom")) {
			char *end;
			o->zoom = strtof(v, &end);
			if (*end || !(o->zoom >= 0.35f && o->zoom <= 3.0f)) {
				fprintf(stderr, "lyceum: --zoom '%s' must be from 0.35 to 3\n", v);
				return 2;
			}
		} else if (!strcmp(f, "--msaa")) {
			if (!parse_long(f, v, 1, 8, &n) || (n & (n - 1))) {
				fprintf(stderr, "lyceum: --msaa must be 1, 2, 4 or 8\n");
				return 2;
			}
			o->msaa = (int)n;
		} else if (!strcmp(f, "--demo")) {
			if (!parse_long(f, v, 0, APP_MAX_AVATARS, &n))
				return 2;
			o->demo = (int)n;
		} else if (!strcmp(f, "--seed")) {
			if (!parse_long(f, v, 1, 0x7fffffff, &n))
				return 2;
			o->seed = (uint32_t)n;
		} else if (!strcmp(f, "--input-script")) {
			o->input_script = v;
		} else if (!strcmp(f, "--resize-at")) {
			char size[32];
			if (sscanf(v, "%ld:%31s", &o->resize_frame, size) != 2 || o->resize_frame < 1 ||
			    !parse_size(f, size, &o->resize_w, &o->resize_h)) {
				fprintf(stderr, "lyceum: --resize-at wants FRAME:WxH, e.g. 30:800x600\n");
				return 2;
			}
		} else {
			fprintf(stderr, "lyceum: unknown flag '%s' (see --help)\n", f);
			return 2;
		}
		if (takes)
			i++;
	}
	if (o->scene_json && !o->screenshot) {
		fprintf(stderr, "lyceum: --scene-json goes with --screenshot\n");
		return 2;
	}
	if (o->input_script && !o->headless) {
		fprintf(stderr, "lyceum: --input-script goes with --headless\n");
		return 2;
	}
	if (o->xr && (o->headless || o->screenshot || o->input_script)) {
		fprintf(stderr, "lyceum: --xr draws for the headset: it goes without --headless, "
				"--screenshot and --input-script\n");
		return 2;
	}
	if (o->screenshot && !o->frames)
		o->frames = 3;
	/* A token names its room; without one the default room is "lobby". */
	if (!o->room && !o->token)
		o->room = "lobby";
	return 0;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return (a > b) - (a < b);
}

void app_percentiles(double *v, long n, double *median, double *p99)
{
	qsort(v, (size_t)n, sizeof(double), cmp_double);
	*median = v[n / 2];
	*p99 = v[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1];
}

static void print_stats(struct app *a)
{
	long n = CORE_MIN(a->frame, (long)APP_STATS_FRAMES);
	if (n < 1)
		return;
	/* The first frames pay for pipeline warm-up: leave out up to ten. */
	long skip = n > 20 ? 10 : 0;
	double sorted[APP_STATS_FRAMES], med, p99;
	memcpy(sorted, a->frame_ms + skip, sizeof(double) * (size_t)(n - skip));
	long m = n - skip;
	app_percentiles(sorted, m, &med, &p99);
	double secs = (double)(plat_time_us() - a->started_us) / 1e6;
	const struct rnd_stats *st = rnd_get_stats(a->rnd);
	printf("{\"frames\": %ld, \"cpu_ms_median\": %.3f, \"cpu_ms_p99\": %.3f, "
	       "\"draw_calls_per_frame\": %.2f, \"avatar_draws_per_frame\": %u, \"avatars\": %u, "
	       "\"fps\": %.1f, \"width\": %u, \"height\": %u, \"device\": \"%s\", "
	       "\"swapchain_builds\": %u, \"validation_messages\": %u}\n",
	       a->frame, med, p99,
	       (double)a->draw_calls_total / (double)a->frame, a->max_avatar_draws, st->avatars,
	       (double)a->frame / secs, st->width, st->height, st->device_name, st->swapchain_builds,
	       st->validation_messages);
	fflush(stdout);
}

static void follow_camera(struct app *a, struct rnd_camera *cam, float dt)
{
	if (a->link == APP_LINK_DEMO && a->world) {
		/* the whole classroom in view */
		uint8_t z = sim_world_zone_find(a->world, "classroom");
		const struct sim_rect b = a->world->zones[z == SIM_ZONE_NONE ? 0 : z].bounds;
		cam->x_m = (float)(b.x_mm + b.w_mm / 2) / 1000.0f;
		cam->y_m = (float)(b.y_mm + b.h_mm / 2) / 1000.0f;
	} else if (a->self_index >= 0) {
		/* ease towards the local avatar: no jolt when it snaps or sits */
		const struct app_avatar *s = &a->avatars[a->self_index];
		float k = 1.0f - expf(-dt * 8.0f);
		if (cam->x_m == 0 && cam->y_m == 0)
			k = 1.0f;
		cam->x_m += (s->x_m - cam->x_m) * k;
		cam->y_m += (s->y_m - cam->y_m) * k;
	}
	cam->zoom = a->zoom;
}

static int run(struct app *a)
{
	struct rnd_camera cam = {0};
	uint64_t last_us = plat_time_us();
	a->started_us = last_us;
	const uint64_t headless_frame_us = 1000000u / 60;
	while (!a->quit) {
		a->input.width = a->input.width ? a->input.width : a->opt.width;
		a->input.height = a->input.height ? a->input.height : a->opt.height;
		a->win->poll(a->win, &a->input);
		if (a->input.resized)
			rnd_resize(a->rnd, a->input.width, a->input.height);
		app_input_frame(a);
		uint64_t now = plat_time_us();
		app_net_update(a, now);
		app_input_ticks(a, now);
		app_scene_gather(a, now);
		app_voice_update(a);
		if (!app_world_sync(a) && a->link == APP_LINK_DEMO)
			return 1;
		follow_camera(a, &cam, (float)(now - last_us) / 1e6f);
		last_us = now;
		bool last = a->opt.frames && a->frame + 1 >= a->opt.frames;
		if (!rnd_frame_begin(a->rnd, &cam)) {
			plat_sleep_us(10000); /* minimised or rebuilding: nothing to draw */
			continue;
		}
		/* --demo animates on frame time, so its frames are the same on every run */
		uint64_t anim_us = a->link == APP_LINK_DEMO ? (uint64_t)a->frame * 16667u : now;
		app_scene_draw(a, anim_us);
		app_hud_draw(a, now);
		const char *shot = last ? a->opt.screenshot : NULL;
		if (rnd_frame_end(a->rnd, shot) != CORE_OK)
			return 1;
		const struct rnd_stats *st = rnd_get_stats(a->rnd);
		a->frame_ms[a->frame % APP_STATS_FRAMES] = st->cpu_ms;
		a->draw_calls_total += st->draw_calls;
		a->max_avatar_draws = CORE_MAX(a->max_avatar_draws, st->avatar_draw_calls);
		a->frame++;
		if (shot) {
			printf("lyceum: screenshot %s (%ux%u, frame %ld)\n", shot, st->width, st->height,
			       a->frame);
			if (a->opt.scene_json && !app_scene_write_json(a, a->opt.scene_json))
				return 1;
		}
		if (a->opt.resize_frame == a->frame)
			a->win->set_size(a->win, a->opt.resize_w, a->opt.resize_h);
		if (last)
			break;
		if (a->win->headless && a->opt.vsync) {
			uint64_t spent = plat_time_us() - now;
			if (spent < headless_frame_us)
				plat_sleep_us(headless_frame_us - spent);
		}
	}
	return 0;
}

#ifndef __ANDROID__ /* platform/android/android_main.c calls app_main */
int main(int argc, char **argv)
{
	return app_main(argc, argv, NULL);
}
#endif

int app_main(int argc, char **argv, const struct app_platform *plat)
{
	static struct app app; /* large: lives for the whole run */
	struct app *a = &app;
	a->plat = plat;
	int rc = parse_args(&a->opt, argc, argv);
	if (rc)
		return rc;
	plat_install_stop_handler();
	if (a->opt.xr)
		return app_xr_main(a);
	char err[256] = "";
	if (!a->opt.headless) {
#ifdef __ANDROID__ /* a headset: no desktop window (platform/android starts --xr) */
		snprintf(err, sizeof(err), "on Android Lyceum runs in the headset: --xr");
#else
		a->win = plat_window_create_sdl("Lyceum", a->opt.width, a->opt.height,
						a->opt.fullscreen, err, sizeof(err));
#endif
		if (!a->win) {
			fprintf(stderr, "lyceum: %s\n", err);
			return 1;
		}
	} else {
		a->win = plat_window_create_headless(a->opt.input_script, err, sizeof(err));
		if (!a->win) {
			fprintf(stderr, "lyceum: %s\n", err);
			return 2;
		}
	}
	uint32_t ext_count = 0;
	const char *const *exts = a->win->vk_extensions(a->win, &ext_count);
	struct rnd_config rc_cfg = {
		.width = a->opt.width,
		.height = a->opt.height,
		.validation = a->opt.validation,
		.vsync = a->opt.vsync,
		.msaa = a->opt.msaa,
		.instance_extensions = exts,
		.instance_extension_count = ext_count,
		.create_surface = a->win->headless ? NULL : a->win->create_surface,
		.surface_user = a->win,
		.font_path = a->opt.font,
	};
	a->zoom = a->opt.zoom;
	a->fullscreen = a->opt.fullscreen;
	a->roster_open = true;
	if (rnd_create(&rc_cfg, &a->rnd) != CORE_OK) {
		fprintf(stderr, "lyceum: the renderer could not start (see above)\n");
		rc = 1;
	} else {
		const struct rnd_stats *st = rnd_get_stats(a->rnd);
		CORE_INFO("drawing with %s, %ux%u%s", st->device_name, st->width, st->height,
			  a->win->headless ? " offscreen" : "");
		rc = app_open(a);
		if (!rc)
			rc = run(a);
		if (a->opt.stats)
			print_stats(a);
	}
	return app_close(a, rc);
}

int app_open(struct app *a)
{
	a->muted = true; /* the microphone starts muted */
	a->target_seat = -1;
	a->self_index = -1;
	if (a->opt.demo > 0) {
		a->link = APP_LINK_DEMO;
		if (!app_load_world(a, a->opt.world)) {
			fprintf(stderr, "lyceum: %s\n", a->world_error);
			return 1;
		}
		app_demo_setup(a);
		return 0;
	}
	(void)app_chat_start(a);
	if (!app_board_start(a))
		app_notice(a, 0xfff05a5au, "No memory for the board view");
	app_net_start(a, plat_time_us());
	app_voice_start(a);
	return 0;
}

int app_close(struct app *a, int rc)
{
	app_voice_close(a);
	app_net_close(a);
	app_chat_close(a);
	app_board_close(a);
	uint32_t messages = 0;
	rnd_destroy(&a->rnd, &messages);
	if (a->opt.validation) {
		fprintf(stderr, "lyceum: %u Vulkan validation messages\n", messages);
		if (messages && !rc)
			rc = 3;
	}
	if (a->world) {
		sim_world_art_free(&a->art);
		rnd_world_images_free(&a->world_images);
		free(a->world);
		a->world = NULL;
	}
	a->win->destroy(a->win);
	return rc;
}
