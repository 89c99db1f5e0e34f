//! The theme: Tera templates, CSS and JavaScript. The default theme is embedded in the binary;
//! `[output.html] theme` names a directory whose files override the default file by file (same
//! relative path), as in mdBook.

use crate::Error;
use std::path::Path;

macro_rules! embed {
    ($($path:literal),* $(,)?) => {
        &[$(($path, include_str!(concat!("../../themes/default/", $path)))),*]
    };
}

/// Every file of the default theme, by path inside the theme directory.
pub const DEFAULT_FILES: &[(&str, &str)] = embed!(
    "templates/base.html",
    "templates/index.html",
    "templates/documents.html",
    "templates/document.html",
    "templates/history.html",
    "templates/roles.html",
    "templates/communications.html",
    "templates/leadership.html",
    "templates/control-changes.html",
    "templates/export.html",
    "css/policybook.css",
    "css/print.css",
    "js/policybook.js",
    "js/elasticlunr.min.js",
);

pub struct Theme {
    pub tera: tera::Tera,
    /// Static files to copy into `assets/` (css, js), after overrides.
    pub assets: Vec<(String, String)>,
    /// A hash of every file of the theme (after overrides): part of every page's key.
    pub fingerprint: String,
}

/// The theme a site renders with: the default, with `[output.html] theme`'s overrides.
pub fn for_site(site: &crate::Site) -> Result<Theme, Error> {
    let dir = site
        .project
        .config
        .output
        .html
        .theme
        .as_ref()
        .map(|t| site.project.root.join(t));
    load(dir.as_deref())
}

/// Loads the default theme with the overrides found in `override_dir`.
pub fn load(override_dir: Option<&Path>) -> Result<Theme, Error> {
    let mut templates = Vec::new();
    let mut assets = Vec::new();
    let mut fingerprint = super::memo::PageKey::new(b"theme", "", "");
    for (path, default) in DEFAULT_FILES {
        let text = match override_dir.map(|d| d.join(path)).filter(|p| p.is_file()) {
            Some(file) => std::fs::read_to_string(&file)
                .map_err(|e| Error::io(format!("cannot read theme file {}", file.display()), e))?,
            None => default.to_string(),
        };
        fingerprint.bytes(path.as_bytes()).bytes(text.as_bytes());
        match path.strip_prefix("templates/") {
            Some(name) => templates.push((name.to_string(), text)),
            None => assets.push((path.to_string(), text)),
        }
    }
    let mut tera = tera::Tera::default();
    tera.add_raw_templates(templates.iter().map(|(n, t)| (n.as_str(), t.as_str())))
        .map_err(|e| Error::template("theme templates do not compile", e))?;
    Ok(Theme {
        tera,
        assets,
        fingerprint: fingerprint.finish(),
    })
}
