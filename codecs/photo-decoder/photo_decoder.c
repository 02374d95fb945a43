/*
 * photo-decoder: reduced-size JPEG and WebP decoding for delf-edge (see README.md).
 *
 * One instance decodes one image and is then dropped by the caller, so nothing here frees memory on
 * error paths: libjpeg's error_exit calls the imported `fail`, which throws a JS exception through
 * the wasm stack (no setjmp/longjmp needed). Output is packed RGB, 3 bytes per pixel.
 *
 * JPEG input is PUSHED by JS piece by piece as it arrives, and libjpeg suspends between pieces
 * (jpeg_step), so the encoded file never exists whole, here or in JS. WebP input is copied in whole
 * (libwebp needs it in memory).
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

/*
 * The encoded file is PUSHED by JS piece by piece as it arrives (an upload part, a download), and
 * libjpeg runs with a suspending data source: when it needs bytes that have not come yet,
 * fill_input_buffer returns FALSE, libjpeg backs up to the start of the current marker or MCU and
 * returns "suspended" from jpeg_step, and JS pushes the next piece. Only the bytes not yet consumed
 * (at most one marker segment or MCU, plus the newest piece) are held here.
 */
static struct {
  JOCTET *data;
  size_t capacity;
  long skip; /* bytes still to drop (skip_input_data past the end of what has come) */
  int ended; /* JS has no more bytes */
} input;

static void init_source(j_decompress_ptr cinfo) { (void)cinfo; }

static boolean fill_input_buffer(j_decompress_ptr cinfo) {
  static const JOCTET fake_eoi[2] = {0xFF, JPEG_EOI};
  if (!input.ended) return FALSE; /* suspend: JS pushes more */
  WARNMS(cinfo, JWRN_JPEG_EOF);   /* as jdatasrc.c: warn, then insert an EOI */
  cinfo->src->next_input_byte = fake_eoi;
  cinfo->src->bytes_in_buffer = 2;
  return TRUE;
}

static void skip_input_data(j_decompress_ptr cinfo, long num_bytes) {
  struct jpeg_source_mgr *src = cinfo->src;
  if (num_bytes <= 0) return;
  if (num_bytes > (long)src->bytes_in_buffer) {
    input.skip += num_bytes - (long)src->bytes_in_buffer;
    src->next_input_byte += src->bytes_in_buffer;
    src->bytes_in_buffer = 0;
    return;
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

static struct jpeg_decompress_struct cinfo;
static struct jpeg_error_mgr jerr;
static struct jpeg_source_mgr source;
static int stage;
static int budget_pixels;
static unsigned int scale_denom;

/**
 * Starts decoding a JPEG at 1/denom scale (denom 1, 2, 4 or 8: libjpeg's scaled IDCT), to RGB.
 * `max_memory` caps libjpeg's own allocations (coefficient buffers of progressive files included):
 * above it libjpeg fails ("backing store not supported") instead of growing. `max_pixels` bounds
 * the output. Then: jpeg_input_space/jpeg_input_commit (or jpeg_input_end) and jpeg_step.
 */
EXPORT void jpeg_begin(int denom, long max_memory, int max_pixels) {
  cinfo.err = jpeg_std_error(&jerr);
  jerr.error_exit = error_exit;
  jerr.emit_message = emit_message;
  jpeg_create_decompress(&cinfo);
  cinfo.mem->max_memory_to_use = max_memory;
  source.init_source = init_source;
  source.fill_input_buffer = fill_input_buffer;
  source.skip_input_data = skip_input_data;
  source.resync_to_restart = jpeg_resync_to_restart;
  source.term_source = term_source;
  source.bytes_in_buffer = 0;
  source.next_input_byte = NULL;
  cinfo.src = &source;
  scale_denom = (unsigned int)denom; /* set after jpeg_read_header, which resets it */
  budget_pixels = max_pixels;
  stage = 0;
}

/**
 * Room for `size` more bytes after those libjpeg has not consumed yet (moved to the front first);
 * JS writes the next piece there, then calls jpeg_input_commit. 0 when out of memory.
 */
EXPORT JOCTET *jpeg_input_space(size_t size) {
  size_t kept = source.bytes_in_buffer;
  if (kept > 0 && source.next_input_byte != input.data) memmove(input.data, source.next_input_byte, kept);
  if (kept + size > input.capacity) {
    size_t capacity = (kept + size) * 2;
    JOCTET *grown = realloc(input.data, capacity);
    if (!grown) return 0;
    input.data = grown;
    input.capacity = capacity;
  }
  source.next_input_byte = input.data;
  return input.data + kept;
}

/** `size` bytes were written at jpeg_input_space's pointer (a pending skip drops the first ones). */
EXPORT void jpeg_input_commit(size_t size) {
  size_t dropped = input.skip < (long)size ? (size_t)input.skip : size;
  input.skip -= (long)dropped;
  if (source.bytes_in_buffer == 0) source.next_input_byte = input.data + dropped;
  source.bytes_in_buffer += size - dropped;
}

/** The file has no more bytes: libjpeg gets a warning and a fake EOI if it wants more. */
EXPORT void jpeg_input_end(void) { input.ended = 1; }

/**
 * Runs the decoder as far as the pushed bytes go. Returns 0 when it needs more input, 1 when the
 * image is decoded (read it with result_*()).
 */
EXPORT int jpeg_step(void) {
  switch (stage) {
  case 0:
    if (jpeg_read_header(&cinfo, TRUE) == JPEG_SUSPENDED) return 0;
    cinfo.out_color_space = JCS_RGB;
    cinfo.scale_num = 1;
    cinfo.scale_denom = scale_denom;
    jpeg_calc_output_dimensions(&cinfo);
    if ((double)cinfo.output_width * cinfo.output_height > (double)budget_pixels) fail("scaled JPEG is larger than the decode budget");
    stage = 1;
    /* fall through */
  case 1: {
    if (!jpeg_start_decompress(&cinfo)) return 0;
    if (cinfo.output_components != 3) fail("JPEG did not convert to RGB");
    size_t size = (size_t)cinfo.output_width * 3 * cinfo.output_height;
    result.rgb = malloc(size);
    if (!result.rgb) fail("out of memory for the scaled JPEG");
    stage = 2;
  }
    /* fall through */
  case 2: {
    size_t stride = (size_t)cinfo.output_width * 3;
    while (cinfo.output_scanline < cinfo.output_height) {
      JSAMPROW row = result.rgb + stride * cinfo.output_scanline;
      if (jpeg_read_scanlines(&cinfo, &row, 1) == 0) return 0;
    }
    stage = 3;
  }
    /* fall through */
  case 3:
    if (!jpeg_finish_decompress(&cinfo)) return 0;
    result.width = (int)cinfo.output_width;
    result.height = (int)cinfo.output_height;
    jpeg_destroy_decompress(&cinfo);
    stage = 4;
    /* fall through */
  default:
    return 1;
  }
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
