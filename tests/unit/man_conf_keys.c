/*
 * man_conf_keys.c: prints the configuration key table, one key a line:
 * name TAB environment variables TAB type TAB default TAB reloadable
 * (yes/no) TAB description.  Used by tests/unit/test_man.sh to compare
 * the code with kafscale.conf(5), and by scripts/gen-conf-man.sh.
 */
#include "config.h"

#include <stdio.h>

#include "conf.h"

int
main(void)
{
    for (size_t i = 0; i < ks_conf_key_count(); i++) {
        const ks_conf_key_info_t *k = ks_conf_key_info(i);

        printf("%s\t%s\t%s\t%s\t%s\t%s\n", k->name, k->env, k->type, k->def,
               k->reloadable ? "yes" : "no", k->doc);
    }
    return 0;
}
