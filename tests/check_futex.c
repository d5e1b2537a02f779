/* PLACEHOLDER: futex suite, to be written. */
#include "suites.h"
Suite *futex_suite(void) { return suite_create("futex"); }
