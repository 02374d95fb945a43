/*
 * photo-decoder: reduced-size JPEG and WebP decoding for delf-edge (see README.md).
 *
 * One instance decodes one image and is then dropped by the caller, so nothing here frees memory on
 * error paths: libjpeg's error_exit calls the imported `fail`, which throws a JS exception through
 * the wasm stack (no setjmp/longjmp needed). Output is packed RGB, 3 bytes per pixel.
 *
 * JPEG input is PULLED from JS in 64 KiB pieces through the imported `read_input`, so the encoded
 * file is never copied into this memory. WebP input is copied in whole (libwebp needs it in memory).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jpeglib.h"
#include "jerror.h"
#include "webp/decode.h"

#define IMPORT(name) __attribute__((import_module("env"), import_name(#name)))
#define EXPORT __attribute__((visibility("default"), used))

/** Copies up to `len` bytes of the encoded file into `buf`; returns how many (0 = end of file). */
IMPORT(read_input) extern int read_input(uint8_t *buf, int len);
/** Throws a JS exception carrying the message; never returns. */
IMPORT(fail) extern void fail(const char *message) __attribute__((noreturn));
/** Reports a libjpeg warning (corrupt data that libjpeg would otherwise paper over). */
IMPORT(report_warning) extern void report_warning(const char *message);

static struct {
  int width;
  int height;
  uint8_t *rgb;
} result;

EXPORT int result_width(void) { return result.width; }
EXPORT int result_height(void) { return result.height; }
EXPORT uint8_t *result_rgb(void) { return result.rgb; }
EXPORT void *alloc(size_t size) { return malloc(size); }

/* ------------------------------------------------------------------ JPEG */

#define INPUT_CHUNK 65536

struct pull_source {
  struct jpeg_source_mgr pub;
  JOCTET buffer[INPUT_CHUNK];
};

static void init_source(j_decompress_ptr cinfo) { (void)cinfo; }

static boolean fill_input_buffer(j_decompress_ptr cinfo) {
  static const JOCTET fake_eoi[2] = {0xFF, JPEG_EOI};
  struct pull_source *src = (struct pull_source *)cinfo->src;
  int n = read_input(src->buffer, INPUT_CHUNK);
  if (n <= 0) {
    WARNMS(cinfo, JWRN_JPEG_EOF); /* as jdatasrc.c: warn, then insert an EOI */
    src->pub.next_input_byte = fake_eoi;
    src->pub.bytes_in_buffer = 2;
    return TRUE;
  }
  src->pub.next_input_byte = src->buffer;
  src->pub.bytes_in_buffer = (size_t)n;
  return TRUE;
}

static void skip_input_data(j_decompress_ptr cinfo, long num_bytes) {
  struct jpeg_source_mgr *src = cinfo->src;
  while (num_bytes > (long)src->bytes_in_buffer) {
    num_bytes -= (long)src->bytes_in_buffer;
    (void)fill_input_buffer(cinfo);
  }
  src->next_input_byte += num_bytes;
  src->bytes_in_buffer -= (size_t)num_bytes;
}

static void term_source(j_decompress_ptr cinfo) { (void)cinfo; }

static void error_exit(j_common_ptr cinfo) {
  char message[JMSG_LENGTH_MAX];
  (*cinfo->err->format_message)(cinfo, message);
  fail(message);
}

/* Every warning (level < 0) goes to JS, not only the first one as in jerror.c. */
static void emit_message(j_common_ptr cinfo, int msg_level) {
  if (msg_level >= 0) return;
  char message[JMSG_LENGTH_MAX];
  (*cinfo->err->format_message)(cinfo, message);
  cinfo->err->num_warnings++;
  report_warning(message);
}

/**
 * Decodes the JPEG that read_input serves at 1/denom scale (denom 1, 2, 4 or 8: libjpeg's scaled
 * IDCT), to RGB. `max_memory` caps libjpeg's own allocations (coefficient buffers of progressive
 * files included): above it libjpeg fails ("backing store not supported") instead of growing.
 * `max_pixels` bounds the output. Returns 0; the image is read with result_*().
 */
EXPORT int jpeg_decode(int denom, long max_memory, int max_pixels) {
  static struct jpeg_decompress_struct cinfo;
  static struct jpeg_error_mgr jerr;
  cinfo.err = jpeg_std_error(&jerr);
  jerr.error_exit = error_exit;
  jerr.emit_message = emit_message;
  jpeg_create_decompress(&cinfo);
  cinfo.mem->max_memory_to_use = max_memory;

  struct pull_source *src = (struct pull_source *)(*cinfo.mem->alloc_small)(
      (j_common_ptr)&cinfo, JPOOL_PERMANENT, sizeof(struct pull_source));
  src->pub.init_source = init_source;
  src->pub.fill_input_buffer = fill_input_buffer;
  src->pub.skip_input_data = skip_input_data;
  src->pub.resync_to_restart = jpeg_resync_to_restart;
  src->pub.term_source = term_source;
  src->pub.bytes_in_buffer = 0;
  src->pub.next_input_byte = NULL;
  cinfo.src = &src->pub;

  jpeg_read_header(&cinfo, TRUE);
  cinfo.out_color_space = JCS_RGB;
  cinfo.scale_num = 1;
  cinfo.scale_denom = (unsigned int)denom;
  jpeg_calc_output_dimensions(&cinfo);
  if ((double)cinfo.output_width * cinfo.output_height > (double)max_pixels) fail("scaled JPEG is larger than the decode budget");
  jpeg_start_decompress(&cinfo);
  if (cinfo.output_components != 3) fail("JPEG did not convert to RGB");

  size_t stride = (size_t)cinfo.output_width * 3;
  uint8_t *rgb = malloc(stride * cinfo.output_height);
  if (!rgb) fail("out of memory for the scaled JPEG");
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = rgb + stride * cinfo.output_scanline;
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  result.width = (int)cinfo.output_width;
  result.height = (int)cinfo.output_height;
  result.rgb = rgb;
  jpeg_destroy_decompress(&cinfo);
  return 0;
}

/* ------------------------------------------------------------------ WebP */

/**
 * Decodes the WebP at `data` to RGB, scaled by libwebp's rescaler to out_width×out_height (the
 * full size when they equal the stored size). Returns 0 or libwebp's VP8StatusCode.
 */
EXPORT int webp_decode(const uint8_t *data, size_t size, int out_width, int out_height) {
  WebPDecoderConfig config;
  if (!WebPInitDecoderConfig(&config)) return -1;
  config.output.colorspace = MODE_RGB;
  config.options.use_threads = 0;
  config.options.use_scaling = 1;
  config.options.scaled_width = out_width;
  config.options.scaled_height = out_height;
  VP8StatusCode status = WebPDecode(data, size, &config);
  if (status != VP8_STATUS_OK) return (int)status;
  result.width = config.output.width;
  result.height = config.output.height;
  result.rgb = config.output.u.RGBA.rgba;
  return 0;
}
