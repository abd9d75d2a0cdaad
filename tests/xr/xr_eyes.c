/*
 * lyceum-xr-eyes: measures a stereo pair the test runtime captured.
 *
 *   lyceum-xr-eyes LEFT.png RIGHT.png
 *
 * Prints one JSON line:
 *   width, height         of both images (they must match)
 *   colours_left/right    distinct colours, each channel bucketed to 4 bits
 *   differing             fraction of pixels whose RGB differ by more than
 *                         DIFF_MIN in some channel between the eyes
 *   disparity_px          the shift s in [-MAX_SHIFT, MAX_SHIFT] minimising
 *                         the mean absolute RGB difference between
 *                         left(x, y) and right(x - s, y) over the middle half
 *                         of the rows (ties go to the smaller |s|). Positive:
 *                         the right image is the left one shifted left, as
 *                         for anything in front of the viewer, which the left
 *                         eye sees further right than the right eye does.
 *   mad_at_disparity      that minimum (0..255)
 *   mad_at_zero           the difference without a shift
 * Exit 0 on success, 2 when an image cannot be read or the sizes differ.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stb_image.h>

#define MAX_SHIFT 64
#define DIFF_MIN 8

struct image {
	int w, h;
	unsigned char *px; /* RGBA */
};

static int load(const char *path, struct image *im)
{
	int n;
	im->px = stbi_load(path, &im->w, &im->h, &n, 4);
	if (!im->px) {
		fprintf(stderr, "lyceum-xr-eyes: cannot read %s: %s\n", path, stbi_failure_reason());
		return -1;
	}
	return 0;
}

static int colours(const struct image *im)
{
	unsigned char seen[4096];
	int n = 0;
	memset(seen, 0, sizeof(seen));
	for (long i = 0; i < (long)im->w * im->h; i++) {
		const unsigned char *p = im->px + i * 4;
		int key = (p[0] >> 4) << 8 | (p[1] >> 4) << 4 | (p[2] >> 4);
		if (!seen[key]) {
			seen[key] = 1;
			n++;
		}
	}
	return n;
}

/* Mean absolute RGB difference of left(x, y) and right(x - s, y) over rows y0..y1. */
static double mad(const struct image *l, const struct image *r, int s, int y0, int y1)
{
	double sum = 0.0;
	long count = 0;
	int x0 = s > 0 ? s : 0, x1 = s < 0 ? l->w + s : l->w;
	for (int y = y0; y < y1; y++) {
		for (int x = x0; x < x1; x++) {
			const unsigned char *a = l->px + ((long)y * l->w + x) * 4;
			const unsigned char *b = r->px + ((long)y * r->w + (x - s)) * 4;
			for (int c = 0; c < 3; c++)
				sum += abs((int)a[c] - (int)b[c]);
			count += 3;
		}
	}
	return count ? sum / (double)count : 0.0;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: lyceum-xr-eyes LEFT.png RIGHT.png\n");
		return 2;
	}
	struct image l, r;
	if (load(argv[1], &l) || load(argv[2], &r))
		return 2;
	if (l.w != r.w || l.h != r.h) {
		fprintf(stderr, "lyceum-xr-eyes: %s is %dx%d but %s is %dx%d\n", argv[1], l.w, l.h, argv[2], r.w, r.h);
		return 2;
	}
	long differing = 0;
	for (long i = 0; i < (long)l.w * l.h; i++) {
		const unsigned char *a = l.px + i * 4, *b = r.px + i * 4;
		for (int c = 0; c < 3; c++) {
			if (abs((int)a[c] - (int)b[c]) > DIFF_MIN) {
				differing++;
				break;
			}
		}
	}
	int y0 = l.h / 4, y1 = l.h - l.h / 4;
	int max_shift = l.w / 2 < MAX_SHIFT ? l.w / 2 : MAX_SHIFT;
	double zero = mad(&l, &r, 0, y0, y1), best = zero;
	int best_s = 0;
	for (int k = 1; k <= max_shift; k++) {
		for (int sign = 1; sign >= -1; sign -= 2) {
			double m = mad(&l, &r, k * sign, y0, y1);
			if (m < best) {
				best = m;
				best_s = k * sign;
			}
		}
	}
	json_t *o = json_pack("{s:i, s:i, s:i, s:i, s:f, s:i, s:f, s:f}", "width", l.w, "height", l.h,
			      "colours_left", colours(&l), "colours_right", colours(&r), "differing",
			      (double)differing / ((double)l.w * l.h), "disparity_px", best_s, "mad_at_disparity", best,
			      "mad_at_zero", zero);
	char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	puts(line);
	free(line);
	json_decref(o);
	stbi_image_free(l.px);
	stbi_image_free(r.px);
	return 0;
}
