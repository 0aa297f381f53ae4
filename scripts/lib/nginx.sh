# nginx on 127.0.0.1 for benchmarks, so the server is never the bottleneck.
# start_nginx ROOT PORT: serves ROOT; stop_nginx stops it. Source it.

start_nginx() {
    local root="$1" port="$2"
    NGINX_DIR="$(mktemp -d /tmp/acrawl-nginx.XXXXXX)"
    cat > "$NGINX_DIR/nginx.conf" <<CONF
worker_processes 1;
pid $NGINX_DIR/nginx.pid;
error_log $NGINX_DIR/error.log;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 60s;
    sendfile on;
    types { text/html html; image/png png; }
    default_type application/octet-stream;
    client_body_temp_path $NGINX_DIR;
    proxy_temp_path $NGINX_DIR;
    fastcgi_temp_path $NGINX_DIR;
    uwsgi_temp_path $NGINX_DIR;
    scgi_temp_path $NGINX_DIR;
    server {
        listen 127.0.0.1:$port;
        root $root;
    }
}
CONF
    nginx -c "$NGINX_DIR/nginx.conf" -e "$NGINX_DIR/error.log"
    trap stop_nginx EXIT
}

stop_nginx() {
    [ -n "${NGINX_DIR:-}" ] && [ -f "$NGINX_DIR/nginx.pid" ] && kill "$(cat "$NGINX_DIR/nginx.pid")" 2>/dev/null
    rm -rf "${NGINX_DIR:-/nonexistent}"
    NGINX_DIR=""
}
