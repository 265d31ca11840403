/*
 * console.h: the web console's static files (workers/coordinator/console/),
 * turned into byte arrays at build time by scripts/embed.sh (the generated
 * console_files.c) and served by the ops endpoint: / is index.html,
 * /console/<name> the others.  Runs in: coordinator.
 */
#ifndef KS_COORD_CONSOLE_H
#define KS_COORD_CONSOLE_H

#include <stddef.h>

typedef struct {
    const char *name;             /* base name, e.g. "console.js" */
    const char *type;             /* Content-Type */
    const unsigned char *data;
    size_t len;
} ks_console_file_t;

/* Ends with an entry whose name is NULL. */
extern const ks_console_file_t ks_console_files[];

#endif
