/* PLACEHOLDER: to be written. */
typedef int placeholder_unused_t;
