//! Security headers on every response: no MIME sniffing, no framing, no
//! referrer, nothing cached unless the handler allows it (answers carry
//! personal data), and a Content-Security-Policy — the tightest one for
//! data, a frame-ancestors rule for pages that set none of their own
//! (Swagger UI); the pages of `web/` bring their own policy.

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;

pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let mut res = next.call(req).await?;
    let html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let h = res.headers_mut();
    let defaults = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CACHE_CONTROL, "no-store"),
        (
            header::CONTENT_SECURITY_POLICY,
            if html {
                "frame-ancestors 'none'"
            } else {
                "default-src 'none'; frame-ancestors 'none'"
            },
        ),
    ];
    for (name, value) in defaults {
        if !h.contains_key(&name) {
            h.insert(name, HeaderValue::from_static(value));
        }
    }
    Ok(res)
}

/// A request body has `ADUAN_BODY_TIMEOUT_SECONDS` to arrive in full: a
/// client that trickles it (slowloris) no longer holds a worker and a
/// database connection open. Past the deadline the body stream fails and
/// the answer is 408 (problem+json), the connection closed.
pub async fn body_deadline(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, Error> {
    use std::rc::Rc;
    let timeout = req
        .app_data::<actix_web::web::Data<super::state::AppState>>()
        .map(|s| s.settings.body_timeout)
        .unwrap_or(std::time::Duration::from_secs(120));
    let fired = Rc::new(std::cell::Cell::new(false));
    let inner = actix_web::HttpMessage::take_payload(&mut req);
    let stream = DeadlineStream {
        inner,
        sleep: Box::pin(tokio::time::sleep(timeout)),
        fired: fired.clone(),
        done: false,
    };
    req.set_payload(actix_web::dev::Payload::Stream {
        payload: Box::pin(stream),
    });
    let res = next.call(req).await?;
    if fired.get() {
        let (req, _) = res.into_parts();
        let mut resp = actix_web::ResponseError::error_response(
            &super::error::ApiError::RequestTimeout(timeout.as_secs()),
        );
        resp.head_mut()
            .set_connection_type(actix_web::http::ConnectionType::Close);
        return Ok(ServiceResponse::new(req, resp));
    }
    Ok(res.map_into_boxed_body())
}

struct DeadlineStream {
    inner: actix_web::dev::Payload,
    sleep: std::pin::Pin<Box<tokio::time::Sleep>>,
    fired: std::rc::Rc<std::cell::Cell<bool>>,
    done: bool,
}

impl futures_util::Stream for DeadlineStream {
    type Item = Result<actix_web::web::Bytes, actix_web::error::PayloadError>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        use std::future::Future;
        use std::task::Poll;
        if self.done {
            return Poll::Ready(None);
        }
        match std::pin::Pin::new(&mut self.inner).poll_next(cx) {
            Poll::Ready(None) => {
                self.done = true;
                Poll::Ready(None)
            }
            Poll::Ready(Some(item)) => Poll::Ready(Some(item)),
            Poll::Pending => {
                if self.sleep.as_mut().poll(cx).is_ready() {
                    self.done = true;
                    self.fired.set(true);
                    return Poll::Ready(Some(Err(actix_web::error::PayloadError::Io(
                        std::io::Error::new(std::io::ErrorKind::TimedOut, "request body timed out"),
                    ))));
                }
                Poll::Pending
            }
        }
    }
}
