use super::detect::*;
use super::geometry::*;
use super::matching::*;
use super::*;

/// A grey picture with corners at several scales: rectangles and discs of varied grey levels.
fn scene(w: usize, h: usize, seed: u64) -> Vec<f32> {
    let mut g = vec![128f32; w * h];
    let mut r = crate::testing::xorshift(seed);
    for _ in 0..60 {
        let (x0, y0) = (r(w), r(h));
        let (rw, rh) = (8 + r(w / 5), 8 + r(h / 5));
        let v = r(256) as f32;
        let disc = r(3) == 0;
        for y in y0..(y0 + rh).min(h) {
            for x in x0..(x0 + rw).min(w) {
                let inside = !disc || {
                    let (dx, dy) = ((x - x0) as f32 / rw as f32 - 0.5, (y - y0) as f32 / rh as f32 - 0.5);
                    dx * dx + dy * dy <= 0.25
                };
                if inside {
                    g[y * w + x] = v;
                }
            }
        }
    }
    g
}

fn turn(g: &[f32], w: usize, h: usize) -> Vec<f32> {
    // counter-clockwise on screen: input (x, y) lands at (y, w - 1 - x), as copies::turn_rgb
    let mut out = vec![0f32; w * h];
    for y in 0..h {
        for x in 0..w {
            out[(w - 1 - x) * h + y] = g[y * w + x];
        }
    }
    out
}

fn mirror(g: &[f32], w: usize, h: usize) -> Vec<f32> {
    let mut out = vec![0f32; w * h];
    for y in 0..h {
        for x in 0..w {
            out[y * w + (w - 1 - x)] = g[y * w + x];
        }
    }
    out
}

#[test]
fn arc_detection_handles_wrap_around() {
    assert!(arc9(0b1_1111_1111));
    assert!(!arc9(0b1111_1111));
    assert!(!arc9(0xF00F)); // 8 across the wrap
    assert!(!arc9(0b0101_0101_0101_0101));
    assert!(arc9(0xF01F)); // bits 0-4 and 12-15: 9 in a row across the wrap
}

#[test]
fn bytes_round_trip_and_mirrored_pattern() {
    let (w, h) = (400, 300);
    let f = Features::from_grey(&scene(w, h, 1), w, h);
    assert!(f.points.len() > 100, "{}", f.points.len());
    let mut b = Vec::new();
    f.to_bytes(&mut b);
    let g = Features::from_bytes(&b).unwrap();
    assert_eq!(g.points.len(), f.points.len());
    assert_eq!(g.points[0].desc, f.points[0].desc);
    assert!(Features::from_bytes(&b[..b.len() - 1]).is_err());
    let p = pattern();
    for i in 0..128 {
        assert_eq!(p[i + 128][0], (p[i][0].0, -p[i][0].1));
    }
}

#[test]
fn copies_match_and_other_pictures_do_not() {
    let (w, h) = (480, 360);
    let g = scene(w, h, 3);
    let a = Features::from_grey(&g, w, h);
    let same = verify(&a, &a);
    assert!(same.inliers > 100 && same.support > 0.8 && !same.mirrored, "{same:?}");
    // turned
    let t = Features::from_grey(&turn(&g, w, h), h, w);
    let v = verify(&a, &t);
    assert!(v.inliers > 30 && !v.mirrored, "{v:?}");
    assert!((v.rotation - std::f32::consts::FRAC_PI_2).abs() < 0.1, "{v:?}");
    // mirrored
    let mi = Features::from_grey(&mirror(&g, w, h), w, h);
    let v = verify(&a, &mi);
    assert!(v.inliers > 30 && v.mirrored && v.rotation.abs() < 0.1, "{v:?}");
    // a crop of a third of the area, enlarged
    let (cx, cy, cw, ch) = (150, 100, 200, 150);
    let crop: Vec<f32> = (cy..cy + ch).flat_map(|y| g[y * w + cx..y * w + cx + cw].to_vec()).collect();
    let big = crate::copies::resample(&crop, cw, ch, (0.0, 0.0, cw as f32, ch as f32), 400, 300);
    let c = Features::from_grey(&big, 400, 300);
    let v = verify(&a, &c);
    assert!(v.inliers > 8, "{v:?}");
    assert!((v.scale - 2.0).abs() < 0.2, "{v:?}");
    assert!(v.b_covered > 0.9 && v.a_in_b < 0.3, "{v:?}");
    // another picture
    let o = Features::from_grey(&scene(w, h, 4), w, h);
    let v = verify(&a, &o);
    assert!(v.inliers < 8, "{v:?}");
}

#[test]
fn a_pair_matches_the_same_whichever_picture_comes_first() {
    let (w, h) = (480, 360);
    let g = scene(w, h, 5);
    let a = Features::from_grey(&g, w, h);
    let (cx, cy, cw, ch) = (100, 60, 260, 200);
    let crop: Vec<f32> = (cy..cy + ch).flat_map(|y| g[y * w + cx..y * w + cx + cw].to_vec()).collect();
    let small = crate::copies::resample(&crop, cw, ch, (0.0, 0.0, cw as f32, ch as f32), 195, 150);
    let turned = turn(&small, 195, 150);
    let mirrored = mirror(&turned, 150, 195);
    for (b, bw, bh) in [(small.clone(), 195, 150), (turned, 150, 195), (mirrored, 150, 195)] {
        let b = Features::from_grey(&b, bw, bh);
        let (ab, ba) = (verify(&a, &b), verify(&b, &a));
        assert!(ab.inliers > 10, "{ab:?}");
        assert_eq!((ab.inliers, ab.support, ab.mirrored), (ba.inliers, ba.support, ba.mirrored));
        assert_eq!((ab.a_in_b, ab.b_covered), (ba.b_covered, ba.a_in_b));
        assert!((ab.scale * ba.scale - 1.0).abs() < 1e-4, "{ab:?} {ba:?}");
        // the transforms are each other's inverse: turns by t and 4 - t, mirrors their own
        let (t, u) = (ab.dihedral(), ba.dihedral());
        assert_eq!(if t >= 4 { t } else { (4 - t) % 4 }, u, "{ab:?} {ba:?}");
    }
}

#[test]
fn tiny_and_flat_images_have_few_or_no_features() {
    assert!(Features::from_grey(&[100.0; 20 * 20], 20, 20).points.is_empty());
    assert!(Features::from_grey(&vec![100.0; 300 * 300], 300, 300).points.is_empty());
    let strip = scene(4000, 20, 2);
    let f = Features::from_grey(&strip, 4000, 20);
    assert!(f.points.is_empty());
    assert_eq!(verify(&f, &f).inliers, 0);
}
#[test]
fn every_descriptor_search_finds_the_same_matches() {
    let mut found = 0;
    let mut s: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    for (na, nb, sparse) in [(192, 192, false), (50, 7, false), (30, 1, false), (40, 9, true), (0, 5, false), (20, 0, false), (64, 64, true)] {
        // sparse: few bits set, so that distances tie and the ratio test decides often
        let mut desc = |_: usize| -> [u64; 4] {
            let mut word = || {
                let (x, y, z) = (next(), next(), next());
                if sparse { x & y & (z | 0xF0F0) } else { x }
            };
            [word(), word(), word(), word()]
        };
        let pts = |n: usize, desc: &mut dyn FnMut(usize) -> [u64; 4]| -> Vec<Point> {
            (0..n).map(|k| Point { x: k as f32, y: 0.0, level: 0, angle: 0.0, desc: desc(k) }).collect()
        };
        let a = pts(na, &mut desc);
        let mut b = pts(nb, &mut desc);
        // near copies of some of a's descriptors, one of them twice (a tie)
        for (k, q) in b.iter_mut().enumerate().take(na.min(nb) / 2) {
            q.desc = a[k].desc;
            q.desc[k % 4] ^= 1 << (k % 64);
        }
        if nb > 3 && na > 0 {
            b[nb - 1].desc = b[0].desc;
        }
        for mirror in [false, true] {
            let want = matches_with(&a, &b, mirror);
            found += want.len();
            assert_eq!(matches(&a, &b, mirror), want, "{na} x {nb}, mirror {mirror}");
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("popcnt") {
                assert_eq!(unsafe { matches_popcnt(&a, &b, mirror) }, want);
            }
        }
    }
    assert!(found > 100, "{found} matches: the test must exercise the ratio test");
}

#[test]
fn a_homography_is_recovered_from_exact_matches_and_inverted() {
    let h = [1.1f64, 0.05, 12.0, -0.03, 0.95, -7.0, 0.0004, -0.0003, 1.0];
    let apply = |m: &[f64; 9], (x, y): (f32, f32)| {
        let (x, y) = (x as f64, y as f64);
        let w = m[6] * x + m[7] * y + m[8];
        (((m[0] * x + m[1] * y + m[2]) / w) as f32, ((m[3] * x + m[4] * y + m[5]) / w) as f32)
    };
    let src: Vec<(f32, f32)> = (0..30).map(|k| ((k * 37 % 500) as f32, (k * 53 % 380) as f32)).collect();
    let dst: Vec<(f32, f32)> = src.iter().map(|&p| apply(&h, p)).collect();
    let fit = fit_homography(&src, &dst).unwrap();
    for (p, q) in src.iter().zip(&dst) {
        let r = apply(&fit, *p);
        assert!((r.0 - q.0).abs() < 0.05 && (r.1 - q.1).abs() < 0.05, "{r:?} vs {q:?}");
    }
    // too few points, or all on one line: no homography
    assert!(fit_homography(&src[..5], &dst[..5]).is_none());
    let line: Vec<(f32, f32)> = (0..20).map(|k| (k as f32, 2.0 * k as f32)).collect();
    assert!(fit_homography(&line, &line).is_none());
    // LocalMatch::inverse inverts the map
    let m = LocalMatch { inliers: 30, scale: 1.0, map: h.map(|v| v as f32), ..Default::default() };
    let inv = m.inverse();
    for p in &src {
        let q = inv.apply(m.apply(*p));
        assert!((q.0 - p.0).abs() < 0.05 && (q.1 - p.1).abs() < 0.05, "{q:?} vs {p:?}");
    }
}

#[test]
fn the_map_of_a_mirrored_copy_takes_each_point_to_its_mirror_image() {
    let (w, h) = (240, 180);
    let g = scene(w, h, 4);
    let (a, b) = (Features::from_grey(&g, w, h), Features::from_grey(&mirror(&g, w, h), w, h));
    let m = verify(&a, &b);
    assert!(m.mirrored && m.inliers >= 20, "{m:?}");
    for p in [(20.0, 30.0), (200.0, 150.0), (120.0, 90.0)] {
        let q = m.apply(p);
        assert!((q.0 - (w as f32 - 1.0 - p.0)).abs() < 2.0 && (q.1 - p.1).abs() < 2.0, "{p:?} -> {q:?}");
    }
}

/// The clamped three-tap filter written plainly (the first version of `binomial`).
fn binomial_reference(g: &[f32], w: usize, h: usize) -> Vec<f32> {
    let mut tmp = vec![0f32; w * h];
    for y in 0..h {
        let r = &g[y * w..(y + 1) * w];
        for x in 0..w {
            tmp[y * w + x] = 0.25 * (r[x.saturating_sub(1)] + 2.0 * r[x] + r[(x + 1).min(w - 1)]);
        }
    }
    let mut out = vec![0f32; w * h];
    for y in 0..h {
        let (a, b, c) = (y.saturating_sub(1), y, (y + 1).min(h - 1));
        for x in 0..w {
            out[y * w + x] = 0.25 * (tmp[a * w + x] + 2.0 * tmp[b * w + x] + tmp[c * w + x]);
        }
    }
    out
}

/// FAST-9 with the four-point test and the full circle per pixel (the first version of `fast`).
fn fast_reference(g: &[f32], w: usize, h: usize) -> Vec<(f32, usize, usize)> {
    let mut out = Vec::new();
    for y in EDGE..h - EDGE {
        for x in EDGE..w - EDGE {
            let c = g[y * w + x];
            let at = |k: usize| g[((y as i32 + CIRCLE[k].1) as usize) * w + (x as i32 + CIRCLE[k].0) as usize];
            let (mut mb, mut md) = (0u32, 0u32);
            for k in 0..16 {
                mb |= ((at(k) > c + FAST_T) as u32) << k;
                md |= ((at(k) < c - FAST_T) as u32) << k;
            }
            if arc9(mb) || arc9(md) {
                let (mut a, mut b, mut cc) = (0f32, 0f32, 0f32);
                for yy in y - 3..=y + 3 {
                    for xx in x - 3..=x + 3 {
                        let dx = g[yy * w + xx + 1] - g[yy * w + xx - 1];
                        let dy = g[(yy + 1) * w + xx] - g[(yy - 1) * w + xx];
                        a += dx * dx;
                        b += dy * dy;
                        cc += dx * dy;
                    }
                }
                out.push((a * b - cc * cc - 0.04 * (a + b) * (a + b), x, y));
            }
        }
    }
    out
}

#[test]
fn the_vectorised_smoothing_and_corners_are_the_plain_ones_bit_for_bit() {
    // the row-at-a-time pre-test, the sliced Harris window and the zipped filter compute what
    // the plain loops did, in the same order: the fingerprints stay byte for byte the same
    for &(w, h, seed) in &[(1, 1, 1), (1, 6, 2), (2, 3, 3), (7, 4, 4), (64, 48, 5), (97, 61, 6), (160, 120, 7)] {
        let g = if w < 10 || h < 10 {
            let mut r = crate::testing::xorshift(seed);
            (0..w * h).map(|_| r(256) as f32).collect()
        } else {
            scene(w, h, seed)
        };
        assert_eq!(binomial(&g, w, h), binomial_reference(&g, w, h), "{w}x{h}");
        if w > 2 * EDGE && h > 2 * EDGE {
            let s = binomial(&g, w, h);
            let (got, want) = (fast(&s, w, h), fast_reference(&s, w, h));
            assert!(!want.is_empty(), "{w}x{h}: the scene has corners");
            assert_eq!(got.len(), want.len(), "{w}x{h}");
            for (a, b) in got.iter().zip(&want) {
                assert_eq!((a.0.to_bits(), a.1, a.2), (b.0.to_bits(), b.1, b.2), "{w}x{h}");
            }
        }
    }
}

#[test]
fn round_index_rounds_as_round_does() {
    let mut r = crate::testing::xorshift(11);
    let mut values = vec![0.0, 0.5, 1.5, 2.5, 0.499_999_97, 1.499_999_9, -0.3, -0.5, -1.5, -7.0, 1e9, 3e38, f32::NAN, f32::INFINITY];
    values.extend((0..10_000).map(|_| r(1_000_000) as f32 / 997.0));
    for v in values {
        assert_eq!(round_index(v), v.round() as usize, "{v}");
    }
}

#[test]
fn a_mirrors_and_a_crops_words_find_their_original_among_other_pictures() {
    use super::words::{words, WORDS};
    let grey = |name: &str| {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples").join(name);
        let img = crate::decode::decode_file_for(&path, 100_000_000, Some((224, 224))).unwrap();
        (crate::copies::grey_of(&img.data), img.width, img.height)
    };
    // the "index": the sample photos and ten pictures of flat shapes (whose corners look alike:
    // words many pictures share weigh little)
    let (g, w, h) = grey("coffee.jpg");
    let mut db: Vec<Vec<u32>> = ["coffee.jpg", "astronaut.jpg", "chelsea.jpg", "rocket.jpg"]
        .iter()
        .map(|n| {
            let (p, pw, ph) = grey(n);
            words(&Features::from_grey(&p, pw, ph), WORDS)
        })
        .collect();
    db.extend((4..14).map(|s| words(&Features::from_grey(&scene(480, 360, s), 480, 360), WORDS)));
    assert!(db[0].windows(2).all(|p| p[0] < p[1]), "distinct and sorted");
    assert!(db[0].len() > 500 && db[0].len() <= 2 * WORDS.tables as usize * MAX_POINTS, "{}", db[0].len());
    let df = |x: &u32| db.iter().filter(|d| d.binary_search(x).is_ok()).count();
    // each picture's votes: the inverse document frequency of every query word it holds
    let votes = |f: &Features| -> Vec<f32> {
        let q = words(f, WORDS);
        db.iter().map(|d| q.iter().filter(|x| d.binary_search(x).is_ok()).map(|x| (db.len() as f32 / df(x) as f32).ln()).sum()).collect()
    };
    // a third of the area, off centre, enlarged to the original's size
    let (cx, cy, cw, ch) = (w / 3, h / 5, w * 11 / 20, h * 11 / 20);
    let crop: Vec<f32> = (cy..cy + ch).flat_map(|y| g[y * w + cx..y * w + cx + cw].to_vec()).collect();
    let big = crate::copies::resample(&crop, cw, ch, (0.0, 0.0, cw as f32, ch as f32), w, h);
    // a mirrored picture's descriptors are the original's with their halves swapped: the same words
    for (name, q) in [("mirror", Features::from_grey(&mirror(&g, w, h), w, h)), ("crop of 30 %, enlarged", Features::from_grey(&big, w, h))] {
        let v = votes(&q);
        let other = v[1..].iter().cloned().fold(0f32, f32::max);
        assert!(v[0] > 1.5 * other, "{name}: the original {} against {other} ({v:?})", v[0]);
    }
}
