/* Tile layer data as Tiled writes it in either format: base64 of
 * little-endian uint32 gids, uncompressed or through zlib, gzip or zstd,
 * and TMX's CSV text. Each decoder writes exactly the cells the map has
 * into the caller's array and never more: a stream that would inflate past
 * them is refused as soon as it tries. */
#include "world_map.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#define ZSTD_WINDOW_LOG_MAX 20 /* a layer is at most 256 KiB: no frame needs a larger window */

bool sim_layer_compression_parse(const char *s, enum sim_layer_compression *out)
{
	static const char *const names[] = {
		[SIM_LAYER_UNCOMPRESSED] = "",
		[SIM_LAYER_ZLIB] = "zlib",
		[SIM_LAYER_GZIP] = "gzip",
		[SIM_LAYER_ZSTD] = "zstd",
	};
	for (size_t i = 0; i < CORE_ARRAY_LEN(names); i++) {
		if (!strcmp(s ? s : "", names[i])) {
			*out = (enum sim_layer_compression)i;
			return true;
		}
	}
	return false;
}

static enum core_result why_not(char *why, size_t why_size, const char *fmt, ...)
	CORE_PRINTF(3, 4);

static enum core_result why_not(char *why, size_t why_size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, why_size, fmt, ap);
	va_end(ap);
	return CORE_ERR_INVALID;
}

/* zlib (window_bits 15) or gzip (15 + 16) into exactly out_size bytes. */
static enum core_result inflate_exact(const uint8_t *in, size_t in_size, int window_bits,
				      uint8_t *out, size_t out_size, char *why, size_t why_size)
{
	const char *name = window_bits > 15 ? "gzip" : "zlib";
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, window_bits) != Z_OK)
		return why_not(why, why_size, "cannot start %s: out of memory", name);
	/* both sizes are far below 4 GiB (the caller's bounds) */
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)in_size;
	z.next_out = out;
	z.avail_out = (uInt)out_size;
	int zr = inflate(&z, Z_FINISH);
	size_t produced = out_size - z.avail_out;
	size_t left_in = z.avail_in;
	const char *msg = z.msg;
	enum core_result r = CORE_OK;
	if (zr == Z_STREAM_END && left_in > 0)
		r = why_not(why, why_size, "%s data has %zu bytes after its end", name, left_in);
	else if (zr == Z_STREAM_END && produced != out_size)
		r = why_not(why, why_size, "%s data holds %zu bytes of gids, expected %zu", name,
			    produced, out_size);
	else if (zr == Z_BUF_ERROR && z.avail_out == 0)
		r = why_not(why, why_size, "%s data inflates past the %zu bytes of gids the layer "
					   "holds",
			    name, out_size);
	else if (zr == Z_BUF_ERROR)
		r = why_not(why, why_size, "%s data is cut short after %zu bytes of gids", name,
			    produced);
	else if (zr != Z_STREAM_END)
		r = why_not(why, why_size, "%s data is damaged (%s)", name, msg ? msg : "no reason");
	inflateEnd(&z);
	return r;
}

static enum core_result unzstd_exact(const uint8_t *in, size_t in_size, uint8_t *out,
				     size_t out_size, char *why, size_t why_size)
{
	ZSTD_DCtx *dctx = ZSTD_createDCtx();
	if (!dctx)
		return why_not(why, why_size, "cannot start zstd: out of memory");
	enum core_result r = CORE_OK;
	size_t n = ZSTD_DCtx_setParameter(dctx, ZSTD_d_windowLogMax, ZSTD_WINDOW_LOG_MAX);
	if (!ZSTD_isError(n))
		n = ZSTD_decompressDCtx(dctx, out, out_size, in, in_size);
	if (ZSTD_isError(n))
		r = why_not(why, why_size, "zstd data is damaged or holds more than the %zu bytes "
					   "of gids the layer holds (%s)",
			    out_size, ZSTD_getErrorName(n));
	else if (n != out_size)
		r = why_not(why, why_size, "zstd data holds %zu bytes of gids, expected %zu", n,
			    out_size);
	ZSTD_freeDCtx(dctx);
	return r;
}

static void gids_from_le(const uint8_t *bytes, uint32_t *out, size_t cells)
{
	for (size_t i = 0; i < cells; i++) {
		const uint8_t *b = bytes + 4 * i;
		out[i] = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
			 (uint32_t)b[3] << 24;
	}
}

enum core_result sim_layer_decode_base64(const char *text, size_t len,
					 enum sim_layer_compression compression, uint32_t *out_gids,
					 size_t cells, char *why, size_t why_size)
{
	size_t want = cells * 4;
	/* what the text can decode to, and room to see that a plain layer is too long */
	size_t cap = CORE_MAX(len / 4 * 3 + 3, want + 1);
	uint8_t *bin = malloc(cap);
	uint8_t *raw = compression == SIM_LAYER_UNCOMPRESSED ? NULL : malloc(want);
	if (!bin || (compression != SIM_LAYER_UNCOMPRESSED && !raw)) {
		free(bin);
		free(raw);
		return why_not(why, why_size, "out of memory decoding the layer");
	}
	size_t bin_len = 0;
	enum core_result r = CORE_OK;
	/* Tiled pads; other tools may not */
	if (sodium_base642bin(bin, cap, text, len, " \t\r\n", &bin_len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0 &&
	    sodium_base642bin(bin, cap, text, len, " \t\r\n", &bin_len, NULL,
			      sodium_base64_VARIANT_ORIGINAL_NO_PADDING) != 0)
		r = why_not(why, why_size, "base64 tile data is damaged");
	if (r == CORE_OK && compression == SIM_LAYER_UNCOMPRESSED) {
		if (bin_len != want)
			r = why_not(why, why_size, "base64 tile data holds %zu bytes, expected %zu "
						   "(4 per tile)",
				    bin_len, want);
		else
			gids_from_le(bin, out_gids, cells);
	} else if (r == CORE_OK) {
		if (compression == SIM_LAYER_ZSTD)
			r = unzstd_exact(bin, bin_len, raw, want, why, why_size);
		else
			r = inflate_exact(bin, bin_len, compression == SIM_LAYER_GZIP ? 15 + 16 : 15,
					  raw, want, why, why_size);
		if (r == CORE_OK)
			gids_from_le(raw, out_gids, cells);
	}
	free(bin);
	free(raw);
	return r;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

enum core_result sim_layer_decode_csv(const char *text, size_t len, uint32_t *out_gids,
				      size_t cells, char *why, size_t why_size)
{
	size_t i = 0, n = 0;
	for (;;) {
		while (i < len && is_blank(text[i]))
			i++;
		if (i == len && n == 0 && cells > 0)
			return why_not(why, why_size, "CSV tile data is empty, expected %zu tiles",
				       cells);
		if (i == len || text[i] < '0' || text[i] > '9')
			return why_not(why, why_size, "CSV tile data: tile %zu is not a gid", n);
		uint64_t v = 0;
		while (i < len && text[i] >= '0' && text[i] <= '9') {
			v = v * 10 + (uint64_t)(text[i] - '0');
			if (v > UINT32_MAX)
				return why_not(why, why_size, "CSV tile data: tile %zu is past %lu",
					       n, (unsigned long)UINT32_MAX);
			i++;
		}
		if (n == cells)
			return why_not(why, why_size, "CSV tile data holds more than %zu tiles",
				       cells);
		out_gids[n] = (uint32_t)v;
		n++;
		while (i < len && is_blank(text[i]))
			i++;
		if (i == len)
			break;
		if (text[i] != ',')
			return why_not(why, why_size, "CSV tile data: byte 0x%02x after tile %zu "
						      "where a comma belongs",
				       (unsigned)(unsigned char)text[i], n - 1);
		i++;
	}
	if (n != cells)
		return why_not(why, why_size, "CSV tile data holds %zu tiles, expected %zu", n,
			       cells);
	return CORE_OK;
}
