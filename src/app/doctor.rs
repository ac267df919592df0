//! `planwise doctor`: reads the server's setup over `--db` (or the PG* environment), judges
//! it and renders the verdicts.

use crate::analysis::doctor::judge;
use crate::cli::{DoctorArgs, DoctorFormat};
use crate::report::doctor;

pub fn run(args: &DoctorArgs) -> anyhow::Result<()> {
    // No `--db`: everything from the environment, as psql does without arguments.
    let url = args.db.as_deref().unwrap_or_default();
    let (target, setup) = crate::db::runtime()?.block_on(async {
        let session = crate::db::connect(url).await?;
        let setup = crate::db::doctor::read_setup(&session).await?;
        Ok::<_, crate::db::DbError>((session.target, setup))
    })?;
    let diagnosis = judge(&setup);
    let text = match args.format {
        DoctorFormat::Table => doctor::table(&target, &setup, &diagnosis),
        DoctorFormat::Json => doctor::json(&target, &setup, &diagnosis),
    };
    super::write_output_to(&text, args.output.as_deref())
}
