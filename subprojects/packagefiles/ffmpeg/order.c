/* Empty on purpose: the library exists only so that FFmpeg's external
 * project is built after SVT-AV1 and libopus (see meson.build). */
typedef int ffmpeg_after_deps;
