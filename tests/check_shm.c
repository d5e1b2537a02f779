/* PLACEHOLDER: shm suite, to be written. */
#include "suites.h"
Suite *shm_suite(void) { return suite_create("shm"); }
