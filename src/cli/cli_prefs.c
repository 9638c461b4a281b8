/* The parse result -> the core's preferences: the *_set flags become
 * PBC_PREF_UNSET, argv becomes the typed command line. */
#include "cli/cli.h"

void cli_prefs(const struct pbc_options *opt, char *const *typed, struct pbc_prefs *prefs)
{
    *prefs = (struct pbc_prefs){
        .verify_dir = opt->verify_dir,
        .resume_path = opt->resume_path,
        .build_dir = opt->build_dir,
        .nb_inputs = opt->nb_inputs,
        .inputs = opt->inputs,
        .logfile = opt->logfile,
        .iso_file = opt->iso_file,
        .iso_label = opt->iso_label,
        .disc_bytes = opt->disc_bytes_set ? opt->disc_bytes : PBC_PREF_UNSET,
        .safety_bytes = opt->safety_bytes_set ? opt->safety_bytes : PBC_PREF_UNSET,
        .delete_originals = opt->delete_originals_set ? opt->delete_originals : PBC_PREF_UNSET,
        .preset = opt->preset_set ? opt->preset : PBC_PREF_UNSET,
        .balance = opt->balance_set ? opt->balance : PBC_PREF_UNSET,
        .threads = opt->threads,
        .jobs = opt->jobs,
        .dry_run = opt->dry_run,
        .no_index = opt->no_index,
        .verbosity = opt->verbosity,
        .nb_typed_args = opt->argc,
        .typed_args = typed,
    };
}
