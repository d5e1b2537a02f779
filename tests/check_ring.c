/* PLACEHOLDER: ring suite, to be written. */
#include "suites.h"
Suite *ring_suite(void) { return suite_create("ring"); }
