//! The OpenAPI 3.1 document, built from the route table (so that no endpoint can be
//! served undocumented, nor documented and absent): each operation names the roles it
//! admits, its path and query parameters, its request body's schema (derived from the
//! body types with utoipa) and the two ways to sign in.

use std::collections::BTreeMap;

use axum::Json;
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItemBuilder,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, PathsBuilder, Ref,
    Required,
};

use crate::routes;

fn method(m: &str) -> HttpMethod {
    match m {
        "post" => HttpMethod::Post,
        "patch" => HttpMethod::Patch,
        "put" => HttpMethod::Put,
        "delete" => HttpMethod::Delete,
        _ => HttpMethod::Get,
    }
}

/// The whole document.
pub fn build() -> OpenApi {
    let mut by_path: BTreeMap<&str, PathItemBuilder> = BTreeMap::new();
    let mut components = ComponentsBuilder::new()
        .security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::auth::SESSION_COOKIE,
            ))),
        )
        .security_scheme(
            "token",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    let error = || {
        ResponseBuilder::new()
            .description("{\"code\", \"message\"}")
            .build()
    };
    let mut all = routes();
    all.push(crate::Route {
        method: "post",
        path: "/api/login",
        roles: &[],
        summary: "Sign in: sets the session cookie and returns the CSRF token",
        handler: || axum::routing::post(crate::auth::login),
        body: Some(|| {
            let mut v = vec![(
                <crate::auth::LoginBody as utoipa::ToSchema>::name().to_string(),
                <crate::auth::LoginBody as utoipa::PartialSchema>::schema(),
            )];
            <crate::auth::LoginBody as utoipa::ToSchema>::schemas(&mut v);
            v
        }),
        query: None,
    });
    for r in &all {
        let roles: Vec<&str> = r.roles.iter().map(|x| x.as_str()).collect();
        let mut op = OperationBuilder::new()
            .summary(Some(r.summary))
            .operation_id(Some(format!(
                "{}_{}",
                r.method,
                r.path
                    .trim_start_matches("/api/")
                    .replace(['/', '{', '}', '.'], "_")
            )))
            .tag(
                r.path
                    .trim_start_matches("/api/")
                    .split('/')
                    .next()
                    .unwrap_or("api"),
            )
            .description(Some(if roles.is_empty() {
                "Open to anonymous callers.".to_string()
            } else {
                format!("Roles: {}.", roles.join(", "))
            }))
            .response("200", ResponseBuilder::new().description("JSON").build())
            .response("400", error())
            .response("401", error())
            .response("403", error())
            .response("404", error())
            .response("409", error());
        if !roles.is_empty() {
            op = op
                .security(SecurityRequirement::new("session", Vec::<String>::new()))
                .security(SecurityRequirement::new("token", Vec::<String>::new()));
        }
        for seg in r.path.split('/') {
            if let Some(name) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                op = op.parameter(
                    ParameterBuilder::new()
                        .name(name)
                        .parameter_in(ParameterIn::Path)
                        .required(Required::True)
                        .schema(Some(ObjectBuilder::new().schema_type(Type::Integer))),
                );
            }
        }
        if let Some(q) = r.query {
            for p in q() {
                op = op.parameter(p);
            }
        }
        if let Some(body) = r.body {
            let schemas = body();
            if let Some((name, _)) = schemas.first() {
                op = op.request_body(Some(
                    RequestBodyBuilder::new()
                        .content(
                            "application/json",
                            ContentBuilder::new()
                                .schema(Some(Ref::from_schema_name(name.clone())))
                                .build(),
                        )
                        .required(Some(Required::True))
                        .build(),
                ));
            }
            for (name, schema) in schemas {
                components = components.schema(name, schema);
            }
        }
        let item = by_path.remove(r.path).unwrap_or_default();
        by_path.insert(r.path, item.operation(method(r.method), op));
    }
    let mut paths = PathsBuilder::new();
    for (p, item) in by_path {
        paths = paths.path(p, item.build());
    }
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("duanka serve")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "The analysts' API of duanka: alerts, cases, clusters, reveals, exports and the audit log. \
                     Every identifier of a subscriber is masked; a change through a session needs its CSRF token \
                     in X-CSRF-Token.",
                ))
                .build(),
        )
        .paths(paths.build())
        .components(Some(components.build()))
        .build()
}

/// `GET /api/openapi.json`.
pub async fn document() -> Json<OpenApi> {
    Json(build())
}
