/* PLACEHOLDER: layout suite, to be written. */
#include "suites.h"
Suite *layout_suite(void) { return suite_create("layout"); }
