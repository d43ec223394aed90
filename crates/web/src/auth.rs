//! Who is asking: session cookies for pages, bearer tokens for API clients,
//! CSRF checks for every state-changing request made with a cookie.

use std::net::{IpAddr, SocketAddr};

use ipnet::IpNet;

use accompany_domain::policy::offers_emergency_access;
use accompany_store::{Access, User};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};

use crate::i18n::{negotiate, Tr};
use crate::problem::Problem;
use crate::AppState;

pub const SESSION_COOKIE: &str = "accompany_session";
pub const LANG_COOKIE: &str = "lang";
/// Double-submit cookie that protects the sign-in form, before any session exists.
pub const LOGIN_CSRF_COOKIE: &str = "accompany_login_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

pub fn set_cookie(name: &str, value: &str, max_age_seconds: i64, secure: bool) -> String {
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_seconds}{}", if secure { "; Secure" } else { "" })
}

pub fn client_addr(parts: &Parts) -> String {
    addr_in(&parts.extensions)
}

fn addr_in(extensions: &axum::http::Extensions) -> String {
    if let Some(ClientIp(ip)) = extensions.get::<ClientIp>() {
        return ip.to_string();
    }
    extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string()).unwrap_or_else(|| "unknown".to_string())
}

/// The address a request came from, worked out once per request.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

/// The client's address: the peer, unless the peer is a trusted proxy, in
/// which case `X-Forwarded-For` is read from the right, hop by hop, for as
/// long as each hop is trusted too.
pub fn resolve_client(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let hops: Vec<&str> =
        headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).map(str::trim).collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        if !trusted.iter().any(|n| n.contains(&client)) {
            break;
        }
        let parsed = hop.parse::<IpAddr>().ok().or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()));
        match parsed {
            Some(ip) => client = ip,
            None => break,
        }
    }
    client
}

/// Puts the client's address on every request, for sign-in delays and the audit trail.
pub async fn client_address(
    axum::extract::State(state): axum::extract::State<AppState>,
    mut req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if let Some(peer) = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()) {
        let ip = resolve_client(peer, req.headers(), &state.trusted_proxies);
        req.extensions_mut().insert(ClientIp(ip));
    }
    next.run(req).await
}

/// The language for a request with or without a signed-in user.
pub fn language(headers: &HeaderMap, user: Option<&User>) -> Tr {
    let chosen = cookie(headers, LANG_COOKIE)
        .map(str::to_string)
        .or_else(|| user.and_then(|u| u.locale.clone()))
        .or_else(|| headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(negotiate).map(str::to_string));
    Tr::new(chosen.as_deref().unwrap_or("en"))
}

/// A request's language, for pages anyone may see.
pub struct Lang(pub Tr);

impl FromRequestParts<AppState> for Lang {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        Ok(Lang(language(&parts.headers, None)))
    }
}

/// A signed-in person, with what a handler needs to act for them.
pub struct Signed {
    pub user: User,
    /// The session's CSRF token; None for bearer tokens, which browsers do not send by themselves.
    pub csrf: Option<String>,
    pub client_addr: String,
    pub tr: Tr,
    /// Whether the catalog lets this person open emergency access.
    pub emergency: bool,
}

impl Signed {
    /// The only door to member data for this request.
    pub fn access(&self, state: &AppState) -> Access {
        state.store.access(self.user.actor(), self.client_addr.clone())
    }

    /// Check the CSRF token of a state-changing request made with a cookie.
    pub fn check_csrf(&self, submitted: Option<&str>) -> bool {
        match &self.csrf {
            None => true,
            Some(expected) => submitted.is_some_and(|s| accompany_store::constant_time_eq(s.as_bytes(), expected.as_bytes())),
        }
    }
}

pub(crate) async fn identify(parts: &Parts, state: &AppState) -> Result<Option<Signed>, accompany_store::StoreError> {
    let client_addr = client_addr(parts);
    if let Some(token) = bearer(&parts.headers) {
        return Ok(state.store.user_by_token(token).await?.map(|user| Signed {
            tr: language(&parts.headers, Some(&user)),
            emergency: offers_emergency_access(user.persona, &state.catalog.privacy),
            user,
            csrf: None,
            client_addr,
        }));
    }
    let Some(id) = cookie(&parts.headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    Ok(state.store.session(id).await?.map(|s| Signed {
        tr: language(&parts.headers, Some(&s.user)),
        emergency: offers_emergency_access(s.user.persona, &state.catalog.privacy),
        user: s.user,
        csrf: Some(s.csrf_token),
        client_addr,
    }))
}

/// A signed-in API client; others get 401 problem+json.
pub struct ApiUser(pub Signed);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match identify(parts, state).await {
            Ok(Some(s)) => {
                let changes = !matches!(parts.method.as_str(), "GET" | "HEAD" | "OPTIONS");
                let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
                if changes && !s.check_csrf(sent) {
                    return Err(Problem::forbidden(
                        "missing or wrong X-CSRF-Token header; send the csrf_token from POST /api/v1/auth/login, or use a bearer token",
                    )
                    .into_response());
                }
                Ok(ApiUser(s))
            }
            Ok(None) => Err(Problem::unauthorized().into_response()),
            Err(e) => Err(Problem::from(e).into_response()),
        }
    }
}

pub fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)]).map(|e| e.trim_start_matches('=').to_string()).unwrap_or_default()
}

/// Where to go after signing in: only paths on this site, starting with a
/// single `/` and made of visible characters (no spaces, tabs, line breaks
/// or backslashes, which browsers may read as another site).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.len() <= 2048 && n.starts_with('/') && !n.starts_with("//") && n.bytes().all(|b| b.is_ascii_graphic() && b != b'\\') => {
            n.to_string()
        }
        _ => "/home".to_string(),
    }
}

/// The bearer token of a request, if it carries one.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|a| a.strip_prefix("Bearer ")).map(str::trim)
}

pub fn random_token() -> String {
    use rand::RngCore;
    let mut b = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The client address of a whole request (for handlers that read the body themselves).
pub fn client_addr_of(req: &axum::extract::Request) -> String {
    addr_in(req.extensions())
}

/// The client's address, recorded with sign-in attempts and audit events.
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(client_addr(parts)))
    }
}

/// Public pages still show who is signed in, when someone is.
pub async fn optional_user(state: &AppState, headers: &HeaderMap, t: &Tr) -> Option<Signed> {
    let id = cookie(headers, SESSION_COOKIE)?;
    let s = state.store.session(id).await.ok()??;
    let emergency = offers_emergency_access(s.user.persona, &state.catalog.privacy);
    Some(Signed { tr: t.clone(), user: s.user, csrf: Some(s.csrf_token), client_addr: String::new(), emergency })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_site() {
        assert_eq!(safe_next(Some("/members/1")), "/members/1");
        assert_eq!(safe_next(Some("/members?after=a%2Fb&limit=5")), "/members?after=a%2Fb&limit=5");
        for bad in
            ["//evil.example", "https://evil.example", "/\t/evil.example", "/\\evil.example", "/a\r\nSet-Cookie: x=1", "/ /x", "/\u{202e}x", ""]
        {
            assert_eq!(safe_next(Some(bad)), "/home", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/home");
    }

    #[test]
    fn forwarded_addresses_count_only_through_trusted_proxies() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", "203.0.113.9, 198.51.100.7, 10.0.0.2".parse().unwrap());
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        // Through two trusted hops to the first untrusted one.
        assert_eq!(resolve_client(proxy, &h, &trusted).to_string(), "198.51.100.7");
        // A client that is not a trusted proxy cannot choose its address.
        let outsider: IpAddr = "192.0.2.5".parse().unwrap();
        assert_eq!(resolve_client(outsider, &h, &trusted), outsider);
        assert_eq!(resolve_client(proxy, &h, &[]), proxy);
        h.insert("x-forwarded-for", "not an address".parse().unwrap());
        assert_eq!(resolve_client(proxy, &h, &trusted), proxy);
    }

    #[test]
    fn reads_cookies() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, "a=1; lang=es; b=2".parse().unwrap());
        assert_eq!(cookie(&h, "lang"), Some("es"));
        assert_eq!(cookie(&h, "c"), None);
    }
}
