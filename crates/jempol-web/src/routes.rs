//! The route table of the pages. A page route cannot be added without saying who may reach
//! it: `get(access, handler)`, `post(access, handler)`. The table is enforced in front of every
//! handler (before its path, query or form is read, so a refused request is refused the same
//! way whatever it carries) and is public (`crate::route_table`) so the authorization matrix
//! test can walk every route the router serves. Handlers keep their own finer checks (row
//! scope, a state that allows the action); this layer is the default deny in front of them.
//!
//! The JSON API (`api.rs`) is listed by its OpenAPI document instead, which `utoipa` builds
//! from the same route declarations.

use crate::AppState;
use crate::auth::{Principal, RequestInfo};
use crate::error::AppError;
use crate::pages::PageError;
use axum::Router;
use axum::body::Body;
use axum::handler::Handler;
use axum::http::{Method, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter};
use jempol_core::Action;
use std::sync::Arc;

/// Who may reach a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not (login, the public status check, assets, health checks).
    Public,
    /// Any signed-in user (home, own account).
    SignedIn,
    /// A user whose role may do this action.
    Act(Action),
    /// A user whose role may do at least one of these (the handler decides which part).
    Any(&'static [Action]),
    /// A user whose role may do every one of these.
    All(&'static [Action]),
}

impl Access {
    /// Whether a request by `p` (none: anonymous) passes. Anonymous passes only `Public`.
    pub fn admits(self, p: Option<&Principal>) -> bool {
        match (self, p) {
            (Access::Public, _) => true,
            (_, None) => false,
            (Access::SignedIn, Some(_)) => true,
            (Access::Act(a), Some(p)) => p.can(a),
            (Access::Any(list), Some(p)) => list.iter().any(|a| p.can(*a)),
            (Access::All(list), Some(p)) => list.iter().all(|a| p.can(*a)),
        }
    }
}

/// One row of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteInfo {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
}

/// The methods of one path, each with its access.
pub struct On {
    needs: Vec<(Method, Access)>,
    router: MethodRouter<AppState>,
}

pub fn get<H, T>(access: Access, handler: H) -> On
where
    H: Handler<T, AppState>,
    T: 'static,
{
    On::default().get(access, handler)
}

pub fn post<H, T>(access: Access, handler: H) -> On
where
    H: Handler<T, AppState>,
    T: 'static,
{
    On::default().post(access, handler)
}

impl Default for On {
    fn default() -> On {
        On {
            needs: Vec::new(),
            router: MethodRouter::new(),
        }
    }
}

impl On {
    pub fn get<H, T>(self, access: Access, handler: H) -> On
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.with(Method::GET, MethodFilter::GET, access, handler)
    }

    pub fn post<H, T>(self, access: Access, handler: H) -> On
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.with(Method::POST, MethodFilter::POST, access, handler)
    }

    fn with<H, T>(mut self, method: Method, filter: MethodFilter, access: Access, handler: H) -> On
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.needs.push((method, access));
        self.router = self.router.on(filter, handler);
        self
    }
}

/// A set of page routes and their table.
#[derive(Default)]
pub struct Routes {
    router: Router<AppState>,
    table: Vec<RouteInfo>,
}

impl Routes {
    pub fn new() -> Routes {
        Routes::default()
    }

    pub fn route(mut self, path: &'static str, on: On) -> Routes {
        for (method, access) in &on.needs {
            self.table.push(RouteInfo {
                method: method.clone(),
                path,
                access: *access,
            });
        }
        let needs: Arc<[(Method, Access)]> = on.needs.into();
        let layer = axum::middleware::from_fn(move |req: Request<Body>, next: Next| {
            let needs = needs.clone();
            async move { enforce(&needs, req, next).await }
        });
        self.router = self.router.route(path, on.router.route_layer(layer));
        self
    }

    pub fn merge(mut self, other: Routes) -> Routes {
        self.router = self.router.merge(other.router);
        self.table.extend(other.table);
        self
    }

    pub fn into_parts(self) -> (Router<AppState>, Vec<RouteInfo>) {
        (self.router, self.table)
    }
}

async fn enforce(needs: &[(Method, Access)], req: Request<Body>, next: Next) -> Response {
    let method = if req.method() == Method::HEAD {
        Method::GET
    } else {
        req.method().clone()
    };
    // A method the route does not have never reaches this layer (405 comes first); were it
    // to, it is refused like any request the table does not admit.
    let access = needs.iter().find(|(m, _)| *m == method).map(|(_, a)| *a);
    let principal = req.extensions().get::<Principal>();
    if access.is_some_and(|a| a.admits(principal)) {
        return next.run(req).await;
    }
    let lang = req
        .extensions()
        .get::<RequestInfo>()
        .map(|i| i.lang)
        .unwrap_or_default();
    match principal {
        None => crate::auth::login_redirect(&req),
        Some(_) => PageError(AppError::Forbidden, lang).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anonymous_passes_only_public_routes() {
        assert!(Access::Public.admits(None));
        assert!(!Access::SignedIn.admits(None));
        assert!(!Access::Act(Action::ViewSop).admits(None));
        assert!(!Access::Any(&[Action::ViewSop]).admits(None));
        assert!(!Access::All(&[]).admits(None));
    }
}
