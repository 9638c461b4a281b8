/* placeholder until the module lands */
typedef int pbc_placeholder;
