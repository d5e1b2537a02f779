/* PLACEHOLDER: clock suite, to be written. */
#include "suites.h"
Suite *clock_suite(void) { return suite_create("clock"); }
