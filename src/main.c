/* kafscaled: placeholder main, replaced by the master process. */
#include "config.h"
#include "log.h"
int main(void) { ks_log_info("kafscaled %s", PACKAGE_VERSION); return 0; }
