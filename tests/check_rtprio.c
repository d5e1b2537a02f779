/* PLACEHOLDER: rtprio suite, to be written. */
#include "suites.h"
Suite *rtprio_suite(void) { return suite_create("rtprio"); }
