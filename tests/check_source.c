/* PLACEHOLDER: source suite, to be written. */
#include "suites.h"
Suite *source_suite(void) { return suite_create("source"); }
