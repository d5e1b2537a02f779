/* PLACEHOLDER: proto suite, to be written. */
#include "suites.h"
Suite *proto_suite(void) { return suite_create("proto"); }
