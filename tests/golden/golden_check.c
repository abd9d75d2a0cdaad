/*
 * golden_check: judges a frame lyceum rendered against a reference image and
 * against the scene it says it drew (--scene-json).
 *
 *   golden_check ACTUAL.png SCENE.json [REFERENCE.png]
 *
 * Checks, each printed with its figures:
 *   frame     not blank: enough distinct colours and not mostly one colour
 *   avatars   every avatar in the scene shows a blob of its own colour
 *             between its feet and its head (a missing avatar fails)
 *   labels    every label box holds a dark plate and light text pixels
 *   reference no pixel channel differs by more than DIFF_LIMIT, except at
 *             most DIFF_SHARE of the pixels, and the mean difference is
 *             at most MEAN_LIMIT (rasterisation detail may move; the
 *             picture may not)
 * Exit 0 when every check passes, 1 when one fails, 2 on bad input.
 *
 *   golden_check --blank W H OUT.png   writes a one-colour frame (the test
 *                                       shows the checks fail on it)
 */
#include <jansson.h>
#include <math.h>
#include <stb_image.h>
#include <stb_image_write.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIFF_LIMIT 24      /* per channel, 0..255 */
#define DIFF_SHARE 0.002   /* of all pixels */
#define MEAN_LIMIT 1.0     /* mean absolute channel difference */
#define MIN_BLOB_PX 12
#define CHROMA_TOL 0.03f

struct image {
	int w, h;
	unsigned char *px; /* RGBA */
};

static bool load(const char *path, struct image *out)
{
	int ch;
	out->px = stbi_load(path, &out->w, &out->h, &ch, 4);
	if (!out->px)
		fprintf(stderr, "golden_check: cannot read '%s': %s\n", path, stbi_failure_reason());
	return out->px != NULL;
}

static const unsigned char *at(const struct image *im, int x, int y)
{
	return im->px + ((size_t)y * (size_t)im->w + (size_t)x) * 4;
}

static bool check_frame(const struct image *im)
{
	/* distinct colours, quantised to 5 bits a channel */
	static unsigned char seen[1 << 15];
	memset(seen, 0, sizeof(seen));
	long distinct = 0, top = 0;
	static long counts[1 << 15];
	memset(counts, 0, sizeof(counts));
	for (int y = 0; y < im->h; y++) {
		for (int x = 0; x < im->w; x++) {
			const unsigned char *p = at(im, x, y);
			int q = (p[0] >> 3) << 10 | (p[1] >> 3) << 5 | (p[2] >> 3);
			if (!seen[q]++)
				distinct++;
			if (++counts[q] > top)
				top = counts[q];
		}
	}
	double share = (double)top / ((double)im->w * im->h);
	bool ok = distinct >= 200 && share < 0.6;
	printf("frame     %s: %ld distinct colours (need 200), most common covers %.1f%% (limit 60%%)\n",
	       ok ? "ok" : "FAIL", distinct, share * 100);
	return ok;
}

static bool colour_match(const unsigned char *p, const float want[3])
{
	float sum = (float)p[0] + (float)p[1] + (float)p[2];
	if (sum < 60)
		return false;
	for (int c = 0; c < 3; c++)
		if (fabsf((float)p[c] / sum - want[c]) > CHROMA_TOL)
			return false;
	return true;
}

/* Largest 4-connected blob of the colour inside the box; returns its size. */
static int largest_blob(const struct image *im, const float want[3], int x0, int y0, int x1,
			int y1)
{
	x0 = x0 < 0 ? 0 : x0;
	y0 = y0 < 0 ? 0 : y0;
	x1 = x1 > im->w ? im->w : x1;
	y1 = y1 > im->h ? im->h : y1;
	if (x1 <= x0 || y1 <= y0)
		return 0;
	int bw = x1 - x0, bh = y1 - y0;
	unsigned char *mark = calloc((size_t)bw * bh, 1);
	int *stack = malloc(sizeof(int) * (size_t)bw * bh);
	int best = 0;
	for (int i = 0; mark && stack && i < bw * bh; i++) {
		if (mark[i] || !colour_match(at(im, x0 + i % bw, y0 + i / bw), want))
			continue;
		int n = 0, size = 0;
		stack[n++] = i;
		mark[i] = 1;
		while (n) {
			int k = stack[--n];
			size++;
			int kx = k % bw, ky = k / bw;
			const int nx[4] = {kx + 1, kx - 1, kx, kx}, ny[4] = {ky, ky, ky + 1, ky - 1};
			for (int d = 0; d < 4; d++) {
				if (nx[d] < 0 || ny[d] < 0 || nx[d] >= bw || ny[d] >= bh)
					continue;
				int j = ny[d] * bw + nx[d];
				if (!mark[j] && colour_match(at(im, x0 + nx[d], y0 + ny[d]), want)) {
					mark[j] = 1;
					stack[n++] = j;
				}
			}
		}
		if (size > best)
			best = size;
	}
	free(mark);
	free(stack);
	return best;
}

static bool check_avatars(const struct image *im, json_t *avatars)
{
	size_t i;
	json_t *av;
	int missing = 0, n = 0;
	json_array_foreach(avatars, i, av) {
		const char *hex = json_string_value(json_object_get(av, "colour"));
		json_t *feet = json_object_get(av, "feet"), *head = json_object_get(av, "head");
		unsigned rgb;
		if (!hex || sscanf(hex, "#%x", &rgb) != 1 || !feet || !head) {
			fprintf(stderr, "golden_check: avatar %zu lacks colour, feet or head\n", i);
			return false;
		}
		float r = (float)(rgb >> 16), g = (float)((rgb >> 8) & 0xff), b = (float)(rgb & 0xff);
		float want[3] = {r / (r + g + b), g / (r + g + b), b / (r + g + b)};
		int fy = (int)json_number_value(json_array_get(feet, 1));
		int hx = (int)json_number_value(json_array_get(head, 0));
		int hy = (int)json_number_value(json_array_get(head, 1));
		int half = (fy - hy) / 3 + 4;
		int size = largest_blob(im, want, hx - half, hy, hx + half, fy);
		n++;
		if (size < MIN_BLOB_PX) {
			missing++;
			printf("  avatar '%s' (%s) not found between (%d,%d) and its feet: largest blob %d px\n",
			       json_string_value(json_object_get(av, "name")), hex, hx, hy, size);
		}
	}
	bool ok = missing == 0 && n > 0;
	printf("avatars   %s: %d of %d avatars seen in their colour (blobs of %d px or more)\n",
	       ok ? "ok" : "FAIL", n - missing, n, MIN_BLOB_PX);
	return ok;
}

static bool check_labels(const struct image *im, json_t *avatars)
{
	size_t i;
	json_t *av;
	int bad = 0, n = 0;
	json_array_foreach(avatars, i, av) {
		json_t *l = json_object_get(av, "label");
		int x0 = (int)json_number_value(json_array_get(l, 0));
		int y0 = (int)json_number_value(json_array_get(l, 1));
		int x1 = x0 + (int)json_number_value(json_array_get(l, 2));
		int y1 = y0 + (int)json_number_value(json_array_get(l, 3));
		long text = 0, plate = 0, all = 0;
		for (int y = y0 + 2; y < y1 - 2; y++) {
			for (int x = x0 + 2; x < x1 - 2; x++) {
				if (x < 0 || y < 0 || x >= im->w || y >= im->h)
					continue;
				const unsigned char *p = at(im, x, y);
				int lum = (p[0] * 3 + p[1] * 6 + p[2]) / 10;
				text += lum > 170;
				plate += lum < 70;
				all++;
			}
		}
		n++;
		double ts = all ? (double)text / all : 0, ps = all ? (double)plate / all : 0;
		if (all == 0 || ts < 0.03 || ps < 0.3) {
			bad++;
			printf("  label of '%s' at (%d,%d): %.0f%% text pixels (need 3), %.0f%% plate "
			       "(need 30)\n",
			       json_string_value(json_object_get(av, "name")), x0, y0, ts * 100, ps * 100);
		}
	}
	bool ok = bad == 0 && n > 0;
	printf("labels    %s: %d of %d labels hold text on a plate\n", ok ? "ok" : "FAIL", n - bad, n);
	return ok;
}

static bool check_reference(const struct image *im, const struct image *ref)
{
	if (im->w != ref->w || im->h != ref->h) {
		printf("reference FAIL: the frame is %dx%d, the reference %dx%d\n", im->w, im->h,
		       ref->w, ref->h);
		return false;
	}
	long over = 0;
	double sum = 0;
	int worst = 0;
	for (long i = 0; i < (long)im->w * im->h; i++) {
		int m = 0;
		for (int c = 0; c < 3; c++) {
			int d = abs((int)im->px[i * 4 + c] - (int)ref->px[i * 4 + c]);
			sum += d;
			m = d > m ? d : m;
		}
		over += m > DIFF_LIMIT;
		worst = m > worst ? m : worst;
	}
	double total = (double)im->w * im->h;
	double mean = sum / (total * 3);
	bool ok = (double)over <= total * DIFF_SHARE && mean <= MEAN_LIMIT;
	printf("reference %s: %ld pixels differ by more than %d (limit %.0f), mean difference %.3f "
	       "(limit %.1f), largest %d\n",
	       ok ? "ok" : "FAIL", over, DIFF_LIMIT, total * DIFF_SHARE, mean, MEAN_LIMIT, worst);
	return ok;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "--blank")) {
		int w = atoi(argv[2]), h = atoi(argv[3]);
		unsigned char *px = w > 0 && h > 0 ? malloc((size_t)w * h * 4) : NULL;
		for (long i = 0; px && i < (long)w * h; i++)
			memcpy(px + i * 4, "\x16\x19\x1e\xff", 4);
		int ok = px && stbi_write_png(argv[4], w, h, 4, px, w * 4);
		free(px);
		return ok ? 0 : 2;
	}
	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: golden_check ACTUAL.png SCENE.json [REFERENCE.png]\n");
		return 2;
	}
	struct image im, ref = {0};
	if (!load(argv[1], &im) || (argc == 4 && !load(argv[3], &ref)))
		return 2;
	json_error_t err;
	json_t *scene = json_load_file(argv[2], 0, &err);
	if (!scene) {
		fprintf(stderr, "golden_check: %s: %s\n", argv[2], err.text);
		return 2;
	}
	json_t *avatars = json_object_get(scene, "avatars");
	bool ok = check_frame(&im);
	ok &= check_avatars(&im, avatars);
	ok &= check_labels(&im, avatars);
	if (argc == 4)
		ok &= check_reference(&im, &ref);
	json_decref(scene);
	stbi_image_free(im.px);
	if (ref.px)
		stbi_image_free(ref.px);
	return ok ? 0 : 1;
}
