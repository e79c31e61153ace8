//! `duanka report OUTDIR` and the lines about a written report: the page is drawn again
//! by `duanka_engine::rerender`; figures that could not be computed are named on stderr.

use std::path::Path;

use crate::Failure;

pub(crate) fn run(out: &Path) -> Result<(), Failure> {
    print(&duanka_engine::rerender(out)?);
    Ok(())
}

pub(crate) fn print(report: &duanka_engine::Report) {
    for n in &report.not_drawn {
        eprintln!("report: {} not drawn: {}", n.figure, n.error);
    }
    println!("wrote {}", report.html.display());
}
