# SPDX-License-Identifier: Apache-2.0
# Licensed under the Apache License, Version 2.0; see LICENSE.
# The pages people see, in a real browser: the status page and the Apple
# page (fresh, and with each kind of error) in Debian's headless Chromium,
# at a phone's width (390 CSS pixels) and a desktop's (1280), driven over
# the WebDriver protocol by chromedriver, which this test starts on
# 127.0.0.1 and stops.  Checked with JavaScript run in the page:
#   - nothing is wider than the window: neither the document nor any
#     element, and no box scrolls sideways;
#   - the counters' caption is fully visible;
#   - URLs break only between their parts (after "/", before "?" and "&";
#     a part longer than a line after "-" or "."), never into pieces
#     shorter than $MIN_PIECE characters;
#   - the keyboard focus ring has a contrast of 3:1 or more against the
#     colours on both of its sides, in the light and the dark scheme;
#   - after an error, the field it is about, and only that one, has
#     aria-invalid, is described by the message and has the focus; a
#     50-character CJK name is typed back.
# Screenshots of every page and size go to t/logs/browser/ for a person to
# look at.  Without chromium and chromedriver the test skips, saying so.
# Vhosts: st_status and st_layout (long names; t/conf/status.conf.in),
# apple_basic, apple_path and apple_signed_ec (t/conf/apple.conf.in).
use strict;
use warnings FATAL => 'all';
use utf8;

use Apache::Test qw(-withtestmore);
use MailAutoconfTest qw(vhost_url top_dir);
use File::Path ();
use File::Spec ();
use File::Temp ();
use IO::Socket::INET ();
use JSON::PP ();
use LWP::UserAgent ();
use MIME::Base64 ();
use POSIX ();
use Time::HiRes ();

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

my $CHROMIUM     = '/usr/bin/chromium';
my $CHROMEDRIVER = '/usr/bin/chromedriver';
my $MIN_PIECE    = 5;
my @SIZES = ([phone => 390, 844, 1], [desktop => 1280, 800, 0]);
my $CJK_NAME = "\x{5c71}\x{7530}" x 25;          # 50 characters

for ([$CHROMIUM, 'chromium'], [$CHROMEDRIVER, 'chromium-driver']) {
    plan skip_all => "$_->[0] not found: install Debian's $_->[1] "
                   . '(scripts/lib.sh does)' unless -x $_->[0];
}

# ------------------------------------------------------------ chromedriver

my $JSON = JSON::PP->new->utf8->canonical;
my $UA = LWP::UserAgent->new(timeout => 60, env_proxy => 0);
$UA->no_proxy('127.0.0.1');
my ($DRIVER_PID, $DRIVER_URL, $SESSION, $PROFILE_DIR);

sub free_port {
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                  Proto => 'tcp', Listen => 1)
        or die "no free port: $!\n";
    my $p = $s->sockport;
    close $s;
    return $p;
}

# One WebDriver command; returns its value, dies with the driver's error.
sub wd {
    my ($method, $path, $body) = @_;
    my $req = HTTP::Request->new($method => "$DRIVER_URL$path");
    if (defined $body) {
        $req->content($JSON->encode($body));
        $req->header('Content-Type' => 'application/json');
    }
    my $res = $UA->request($req);
    my $data = eval { $JSON->decode($res->content) };
    die "webdriver $method $path: " . $res->status_line . ' '
        . substr($res->content // '', 0, 500) . "\n"
        unless $res->is_success && ref $data eq 'HASH';
    return $data->{value};
}

sub cdp { my ($cmd, $params) = @_; wd(POST => "/session/$SESSION/goog/cdp/execute", { cmd => $cmd, params => $params // {} }) }
sub js  { my ($script, @args) = @_; wd(POST => "/session/$SESSION/execute/sync", { script => $script, args => \@args }) }

sub start_driver {
    my $port = free_port();
    my $log = File::Spec->catfile(top_dir(), 't', 'logs', 'chromedriver.log');
    $DRIVER_PID = fork() // die "fork: $!\n";
    if (!$DRIVER_PID) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', $log;
        open STDERR, '>&', \*STDOUT;
        exec($CHROMEDRIVER, "--port=$port", '--allowed-ips=127.0.0.1',
             '--allowed-origins=127.0.0.1') or POSIX::_exit(127);
    }
    $DRIVER_URL = "http://127.0.0.1:$port";
    for (1 .. 100) {
        my $res = $UA->get("$DRIVER_URL/status");
        return 1 if $res->is_success && $res->content =~ /"ready"\s*:\s*true/;
        Time::HiRes::sleep(0.1);
    }
    return 0;
}

sub start_session {
    $PROFILE_DIR = File::Temp->newdir('chromium-profile-XXXXXX', TMPDIR => 1);
    my @args = ('--headless', '--no-sandbox', '--disable-gpu',
                '--disable-quic', '--no-first-run',
                '--disable-background-networking',
                '--disable-component-update', '--disable-sync',
                '--disable-dev-shm-usage', '--hide-scrollbars',
                '--no-proxy-server',
                # every name resolves to nothing: only 127.0.0.1 is reached
                '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
                "--user-data-dir=$PROFILE_DIR", '--window-size=1280,800',
                '--lang=en-US');
    my $v = wd(POST => '/session', { capabilities => { alwaysMatch => {
        browserName => 'chrome',
        'goog:chromeOptions' => { binary => $CHROMIUM, args => \@args },
    } } });
    $SESSION = $v->{sessionId} or die "no session id\n";
}

END {
    local $?;
    if ($SESSION && $DRIVER_URL) {
        eval { wd(DELETE => "/session/$SESSION") };
    }
    if ($DRIVER_PID) {
        kill 'TERM', $DRIVER_PID;
        for (1 .. 50) {
            last if waitpid($DRIVER_PID, POSIX::WNOHANG()) != 0;
            Time::HiRes::sleep(0.1);
        }
        kill 'KILL', $DRIVER_PID if kill 0, $DRIVER_PID;
        waitpid($DRIVER_PID, 0);
    }
}

# ----------------------------------------------------------------- in page

# Everything wider than the window, as "tag#id.class (left..right)".
my $JS_OVERFLOW = <<'JS';
const vw = document.documentElement.clientWidth, out = [];
function hidden(e) {
  for (; e && e !== document.documentElement; e = e.parentElement) {
    const s = getComputedStyle(e), r = e.getBoundingClientRect();
    if (s.display === 'none' || s.visibility === 'hidden') return true;
    if (s.clip !== 'auto' && s.position === 'absolute') return true;
    if (s.overflow === 'hidden' && r.width <= 1) return true;
  }
  return false;
}
function name(e) {
  return e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
       + (e.className && typeof e.className === 'string'
          ? '.' + e.className.trim().split(/\s+/).join('.') : '');
}
if (document.documentElement.scrollWidth > vw)
  out.push('document: scrollWidth ' + document.documentElement.scrollWidth + ' > ' + vw);
for (const e of document.body.querySelectorAll('*')) {
  if (hidden(e)) continue;
  const r = e.getBoundingClientRect(), s = getComputedStyle(e);
  if (r.width === 0 && r.height === 0) continue;
  if (r.left < -0.5 || r.right > vw + 0.5)
    out.push(name(e) + ' (' + Math.round(r.left) + '..' + Math.round(r.right) + ')');
  else if (/auto|scroll/.test(s.overflowX) && e.scrollWidth > e.clientWidth + 1)
    out.push(name(e) + ' scrolls sideways (' + e.scrollWidth + ' > ' + e.clientWidth + ')');
}
return out.slice(0, 10);
JS

# Whether the caption is inside the window and inside every box that
# could clip it, and shows all its text.
my $JS_CAPTION = <<'JS';
const c = document.querySelector('#counters caption');
if (!c) return 'no caption';
const r = c.getBoundingClientRect(), vw = document.documentElement.clientWidth;
if (r.left < -0.5 || r.right > vw + 0.5) return 'outside the window: ' + r.left + '..' + r.right;
if (c.scrollWidth > c.clientWidth + 1) return 'text cut: ' + c.scrollWidth + ' > ' + c.clientWidth;
for (let e = c.parentElement; e; e = e.parentElement) {
  const s = getComputedStyle(e);
  if (s.overflowX !== 'visible') {
    const b = e.getBoundingClientRect();
    if (r.left < b.left - 0.5 || r.right > b.right + 0.5)
      return 'clipped by ' + e.tagName + ': ' + r.right + ' > ' + b.right;
  }
}
return '';
JS

# The lines each URL is laid out on: [[url, [piece, ...]], ...].
my $JS_URL_PIECES = <<'JS';
const res = [];
for (const code of document.querySelectorAll('code.url')) {
  const lines = [];
  let last = null;
  const walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
  for (let t = walker.nextNode(); t; t = walker.nextNode()) {
    for (let i = 0; i < t.data.length; i++) {
      const rg = document.createRange();
      rg.setStart(t, i); rg.setEnd(t, i + 1);
      const rects = rg.getClientRects();
      if (!rects.length) continue;
      // a new line starts below the middle of the last one
      const r = rects[0], mid = (r.top + r.bottom) / 2;
      if (last === null || mid > last) { lines.push(''); last = r.bottom; }
      lines[lines.length - 1] += t.data[i];
    }
  }
  res.push([code.textContent, lines]);
}
return res;
JS

# The focused element's ring and the colours on both sides of it.
my $JS_FOCUS_RING = <<'JS';
const e = document.activeElement;
if (!e || e === document.body) return { none: 1 };
function rgba(c) {
  const m = c.match(/rgba?\(([^)]+)\)/);
  if (!m) return null;
  const p = m[1].split(/[ ,\/]+/).filter(x => x.length).map(Number);
  return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
}
function over(top, under) {
  const a = top[3];
  return [0, 1, 2].map(i => top[i] * a + under[i] * (1 - a)).concat([1]);
}
function background(el) {
  const layers = [];
  for (; el; el = el.parentElement) {
    const c = rgba(getComputedStyle(el).backgroundColor);
    if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
  }
  let col = [255, 255, 255, 1];
  const cs = getComputedStyle(document.documentElement).colorScheme;
  for (let i = layers.length - 1; i >= 0; i--) col = over(layers[i], col);
  if (!layers.length || layers[layers.length - 1][3] < 1) {
    // the canvas: white, or the dark scheme's canvas
    const canvas = matchMedia('(prefers-color-scheme: dark)').matches && /dark/.test(cs)
                 ? [18, 18, 18, 1] : [255, 255, 255, 1];
    col = canvas;
    for (let i = layers.length - 1; i >= 0; i--) col = over(layers[i], col);
  }
  return col;
}
function lum(c) {
  const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
}
function ratio(a, b) {
  const x = lum(a), y = lum(b);
  return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
}
const s = getComputedStyle(e);
const ring = rgba(s.outlineColor);
const offset = parseFloat(s.outlineOffset) || 0;
const outside = background(e.parentElement);
const inside = offset >= 1 ? outside : background(e);
const name = e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
           + (e.className ? '.' + String(e.className).split(' ').join('.') : '');
return {
  name: name, style: s.outlineStyle, width: parseFloat(s.outlineWidth) || 0,
  visible: e.matches(':focus-visible') ? 1 : 0,
  inside: ring ? ratio(over(ring, inside), inside) : 0,
  outside: ring ? ratio(over(ring, outside), outside) : 0,
};
JS

# The form's state after an error.
my $JS_FORM = <<'JS';
const f = {};
for (const i of document.querySelectorAll('input')) {
  const d = (i.getAttribute('aria-describedby') || '').split(/\s+/).filter(x => x);
  const msgs = d.filter(x => /error/.test(x)).map(x => {
    const m = document.getElementById(x);
    if (!m) return { id: x, missing: 1 };
    const r = m.getBoundingClientRect(), ir = i.getBoundingClientRect();
    return { id: x, text: m.textContent, visible: r.width > 0 && r.height > 0 ? 1 : 0,
             above: r.bottom <= ir.top + 1 && ir.top - r.bottom < 40 ? 1 : 0 };
  });
  f[i.id] = { invalid: i.getAttribute('aria-invalid'), errors: msgs, value: i.value };
}
return { fields: f, focus: document.activeElement ? document.activeElement.id : null,
         banner: document.querySelectorAll('[role=alert]').length };
JS

# ---------------------------------------------------------------- helpers

my $SHOTS = File::Spec->catdir(top_dir(), 't', 'logs', 'browser');
File::Path::make_path($SHOTS);

sub local_url {
    my ($vhost, $path) = @_;
    (my $u = vhost_url($vhost, $path)) =~ s{^http://[^/:]+}{http://127.0.0.1};
    return $u;
}

sub set_size {
    my ($w, $h, $mobile) = @_;
    cdp('Emulation.setDeviceMetricsOverride',
        { width => $w, height => $h, deviceScaleFactor => 1,
          mobile => $mobile ? JSON::PP::true : JSON::PP::false });
}

sub set_scheme {
    my ($scheme) = @_;
    cdp('Emulation.setEmulatedMedia',
        { features => [{ name => 'prefers-color-scheme', value => $scheme }] });
}

sub load {
    my ($url) = @_;
    wd(POST => "/session/$SESSION/url", { url => $url });
    for (1 .. 50) {
        last if (js('return document.readyState') // '') eq 'complete';
        Time::HiRes::sleep(0.1);
    }
}

# The whole page, at most 6000 pixels of it (Chromium refuses larger
# pictures; the status page of the whole test server is longer).
sub screenshot {
    my ($name) = @_;
    my $r = js('return [document.documentElement.scrollWidth,'
               . ' document.documentElement.scrollHeight];');
    my $h = $r->[1] > 6000 ? 6000 : $r->[1];
    return save_png($name, { clip => { x => 0, y => 0, width => $r->[0],
                                       height => $h, scale => 1 } });
}

# Page.captureScreenshot (with %$params) into t/logs/browser/$name.png.
sub save_png {
    my ($name, $params) = @_;
    my $v = cdp('Page.captureScreenshot',
                { format => 'png', captureBeyondViewport => JSON::PP::true, %$params });
    my $file = File::Spec->catfile($SHOTS, "$name.png");
    open my $fh, '>:raw', $file or die "$file: $!\n";
    print $fh MIME::Base64::decode_base64($v->{data});
    close $fh;
    return $file;
}

# A picture of one part of the page (the element the selector finds).
sub screenshot_of {
    my ($name, $selector) = @_;
    my $r = js('const e = document.querySelector(arguments[0]); if (!e) return null;'
               . ' const r = e.getBoundingClientRect();'
               . ' return [r.left + scrollX, r.top + scrollY, r.width, r.height];', $selector)
        or return;
    return save_png($name, { clip => { x => $r->[0], y => $r->[1], width => $r->[2],
                                       height => $r->[3], scale => 1 } });
}

sub press_tab {
    wd(POST => "/session/$SESSION/actions", { actions => [{
        type => 'key', id => 'keyboard',
        actions => [{ type => 'keyDown', value => "\x{E004}" },
                    { type => 'keyUp', value => "\x{E004}" }] }] });
    wd(DELETE => "/session/$SESSION/actions");
}

sub check_layout {
    my ($what) = @_;
    is_deeply(js($JS_OVERFLOW), [], "$what: nothing wider than the window");
}

# Focus each element the selectors find first (after one real Tab, so the
# focus is the keyboard's) and check its ring.
sub check_focus_rings {
    my ($what, @selectors) = @_;
    press_tab();
    my @bad;
    my $seen = 0;
    for my $sel (@selectors) {
        my $found = js('const e = document.querySelector(arguments[0]);'
                       . ' if (!e) return 0; e.focus(); return 1;', $sel);
        next unless $found;
        $seen++;
        my $r = js($JS_FOCUS_RING);
        my $desc = sprintf '%s: %s %gpx, %.2f:1 inside, %.2f:1 outside%s',
            $sel, $r->{style} // '?', $r->{width} // 0, $r->{inside} // 0,
            $r->{outside} // 0, $r->{visible} ? '' : ' (not :focus-visible)';
        push @bad, $desc
            if $r->{none} || !$r->{visible} || ($r->{style} // 'none') eq 'none'
            || ($r->{width} // 0) < 2 || $r->{inside} < 3 || $r->{outside} < 3;
        note($desc);
    }
    is($seen, scalar @selectors, "$what: every focusable kind found");
    is_deeply(\@bad, [], "$what: focus rings of 2px or more with 3:1 or more on both sides");
}

# ------------------------------------------------------------------ pages

my $PATH = '/email.mobileconfig';
my $A = 'emailaddress=alice@example.com';
my $CJK_Q = join '', map { sprintf '%%%02X', ord } split //,
            do { my $b = $CJK_NAME; utf8::encode($b); $b };

# [label, vhost, query, field in error]
my @ERRORS = (
    ['no address', 'apple_basic', "name=$CJK_Q", 'emailaddress'],
    ['a bad address, a 50-character CJK name', 'apple_basic',
     "emailaddress=alice&name=$CJK_Q", 'emailaddress'],
    ['a foreign domain', 'apple_basic', "emailaddress=alice\@foreign.test&name=$CJK_Q", 'emailaddress'],
    ['a bad name', 'apple_basic', "$A&name=A%E2%80%AEB", 'name'],
    ['a name of 129 characters', 'apple_basic', "$A&name=" . ('%E5%B1%B1' x 129), 'name'],
    ['the address twice', 'apple_basic', "$A&emailaddress=bob\@example.com", 'emailaddress'],
    ['a malformed name', 'apple_basic', "$A&name=A%4", 'name'],
);

# ------------------------------------------------------------------- run

ok(start_driver(), 'chromedriver answers on 127.0.0.1')
    or BAIL_OUT('chromedriver did not start: see t/logs/chromedriver.log');
ok(eval { start_session(); 1 }, 'a headless Chromium session') or do {
    diag($@);
    BAIL_OUT('no browser session');
};

for my $size (@SIZES) {
    my ($sname, $w, $h, $mobile) = @$size;
    set_size($w, $h, $mobile);
    set_scheme('light');

    # --- the status page
    load(local_url(st_status => '/mail-status'));
    is(js('return document.documentElement.clientWidth'), $w, "$sname: the window is $w pixels wide");
    like(js('return document.title'), qr/status/i, "$sname: the status page loaded");
    check_layout("status page, $sname");
    is(js($JS_CAPTION), '', "status page, $sname: the counters caption is fully visible");
    my $pieces = js($JS_URL_PIECES);
    cmp_ok(scalar @$pieces, '>=', 4, "status page, $sname: URLs found");
    my @broken;
    for my $u (@$pieces) {
        my ($url, $lines) = @$u;
        my $short = grep { length($_) < $MIN_PIECE } @$lines;
        # a line may end only after "/" or before "?" / "&" (or, in a part
        # too long for a line, after "-" or ".")
        my @bad_breaks = grep { $lines->[$_] !~ m{[/.-]\z} && $lines->[$_ + 1] !~ /\A[?&]/ }
                         0 .. $#$lines - 1;
        push @broken, "$url: " . join(' | ', @$lines) if $short || @bad_breaks;
    }
    is_deeply(\@broken, [], "status page, $sname: URLs break only between their parts, "
                          . "into pieces of $MIN_PIECE characters or more");
    note(screenshot("status-$sname"));
    note(screenshot_of("status-$sname-counters", 'section[aria-labelledby=requests]'));
    my $st = js('for (const h of document.querySelectorAll("h2")) if (h.textContent === "status.example.test") return h.parentElement.id; return null;');
    if ($st) {
        note(screenshot_of("status-$sname-$_->[0]", "#$st $_->[1]"))
            for [problems => '.problems'], [servers => 'table.servers'],
                [endpoints => 'table.endpoints'], [dns => 'pre.zone'];
    }
    check_focus_rings("status page, $sname", 'nav a', 'a.sample', '.problems a, nav li a + a',
                      'pre.zone');

    # --- the Apple page, fresh
    for my $v (['apple_basic', $PATH], ['apple_path', '/apple/profile.mobileconfig']) {
        load(local_url(@$v));
        check_layout("Apple page ($v->[0]), $sname");
        note(screenshot("apple-$v->[0]-$sname"));
    }
    load(local_url(apple_basic => $PATH));
    is(js('return document.activeElement === document.body ? "" : document.activeElement.id'), '',
       "Apple page, $sname: nothing has the focus before an error");
    for my $scheme (qw(light dark)) {
        set_scheme($scheme);
        load(local_url(apple_path => '/apple/profile.mobileconfig'));
        check_focus_rings("Apple page, $sname, $scheme scheme", '#name', '#emailaddress',
                          'button', '#help a');
        if ($scheme eq 'dark') {
            load(local_url(st_status => '/mail-status'));
            check_focus_rings("status page, $sname, dark scheme", 'nav a', 'a.sample', 'pre.zone');
        }
        note(screenshot("apple-$scheme-$sname")) if $scheme eq 'dark';
    }
    set_scheme('light');

    # --- the Apple page with each kind of error
    my $i = 0;
    for my $e (@ERRORS) {
        my ($label, $vhost, $query, $field) = @$e;
        my $other = $field eq 'name' ? 'emailaddress' : 'name';
        $i++;
        load(local_url($vhost => "$PATH?$query"));
        my $what = "Apple page, $sname, $label";
        # autofocus is applied when the page is next drawn: give it time
        for (1 .. 40) {
            last if js('return document.activeElement && document.activeElement !== document.body');
            Time::HiRes::sleep(0.05);
        }
        check_layout($what);
        my $f = js($JS_FORM);
        is($f->{focus}, $field, "$what: the focus is on the $field field");
        is($f->{fields}{$field}{invalid}, 'true', "$what: aria-invalid on the $field field");
        is($f->{fields}{$other}{invalid}, undef, "$what: none on the $other field");
        my $msgs = $f->{fields}{$field}{errors};
        ok(@$msgs == 1 && !$msgs->[0]{missing} && $msgs->[0]{visible}
           && length($msgs->[0]{text}) > 10,
           "$what: the $field field is described by a visible message")
            or diag(explain($msgs));
        ok(@$msgs && $msgs->[0]{above}, "$what: the message stands right above the field");
        is_deeply($f->{fields}{$other}{errors}, [], "$what: the $other field is described by no error");
        is($f->{banner}, 0, "$what: no banner at the top");
        if ($query =~ /name=\Q$CJK_Q\E/) {
            is($f->{fields}{name}{value}, $CJK_NAME, "$what: the 50-character name is typed back");
        }
        note(screenshot("apple-error-$i-$sname")) if $i <= 2 || $field eq 'name';
        check_focus_rings($what, "#$field") if $i == 1;
    }
}

done_testing();
