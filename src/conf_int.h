/*
 * conf_int.h: what conf.c and conf_validate.c share; private to the two,
 * the configuration's API is conf.h.
 * Runs in: master (children read the resulting ks_conf_t).
 */
#ifndef KS_CONF_INT_H
#define KS_CONF_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"
#include "ks.h"

#define KS_CONF_SHOW_MAX 200    /* longest value quoted in an error message */

/* One entry of conf.c's key table; opaque outside conf.c. */
typedef struct ks_conf_key ks_conf_key_t;

/* snprintf into err, if err is not NULL. */
void ks_conf_seterr(char *err, size_t errlen, const char *fmt, ...) KS_PRINTF(3, 4);
/* strdup that aborts when out of memory. */
char *ks_conf_xstrdup(const char *s);
bool ks_conf_is_space(char ch);

/* The key named name, NULL if there is none; its index in the table
 * (c->origin[]), and the string field of c it sets. */
const ks_conf_key_t *ks_conf_find_key(const char *name);
size_t ks_conf_key_index(const ks_conf_key_t *k);
char **ks_conf_field_str(ks_conf_t *c, const ks_conf_key_t *k);

/* Sets k from value with origin src (KS_CONF_SRC_*); err gets the reason only. */
int ks_conf_set_key(ks_conf_t *c, const ks_conf_key_t *k, const char *value, int src, char *err, size_t errlen);
/* "host:port", "[v6]:port" or ":port" (host ""); the port, or -1 with a reason in why. */
int ks_conf_parse_hostport(const char *s, size_t len, char *host, size_t hostlen, char *why, size_t whylen);

#endif
