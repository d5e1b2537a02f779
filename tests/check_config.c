/* PLACEHOLDER: config suite, to be written. */
#include "suites.h"
Suite *config_suite(void) { return suite_create("config"); }
