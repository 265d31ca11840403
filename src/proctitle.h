/*
 * proctitle.h: process titles ("kafscaled: worker 1") shown by ps.
 */
#ifndef KS_PROCTITLE_H
#define KS_PROCTITLE_H

/* Call once at start-up with main's argc/argv, before anything reads environ
 * pointers it kept: moves the environment out of the way. */
void ks_proctitle_init(int argc, char **argv);
void ks_proctitle_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
