//! Tests of `copies.rs`: fingerprints, whole and part verification, colour, degenerate images.
use super::*;
use crate::grids::EDGE_FLOOR;

/// A synthetic picture with structure at several scales (w x h RGB).
fn picture(w: usize, h: usize, seed: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(w * h * 3);
    for y in 0..h {
        for x in 0..w {
            let (fx, fy) = (x as f32 / w as f32, y as f32 / h as f32);
            let s = seed as f32;
            let v = 128.0
                + 60.0 * ((fx * (3.0 + s) + fy * 2.0) * 6.28).sin()
                + 40.0 * ((fy * (5.0 + s * 0.7) - fx) * 6.28).cos()
                + 25.0 * ((fx * fy * (9.0 + s)) * 6.28).sin();
            let v = v.clamp(0.0, 255.0) as u8;
            out.extend_from_slice(&[v, v.wrapping_add(x as u8), 255 - v]);
        }
    }
    out
}

fn crop(rgb: &[u8], w: usize, (x0, y0, cw, ch): (usize, usize, usize, usize)) -> Vec<u8> {
    let mut out = Vec::with_capacity(cw * ch * 3);
    for y in y0..y0 + ch {
        out.extend_from_slice(&rgb[(y * w + x0) * 3..(y * w + x0 + cw) * 3]);
    }
    out
}

#[test]
fn bytes_round_trip_and_bad_bytes_are_errors() {
    let f = Fingerprint::from_rgb(&picture(80, 60, 1), 80, 60).unwrap();
    let n = f.to_bytes().len();
    assert_eq!(n, BYTES + colour::BYTES + keypoints::HEADER_BYTES + f.local.points.len() * keypoints::POINT_BYTES);
    assert!(n <= MAX_BYTES);
    let back = Fingerprint::from_bytes(&f.to_bytes()).unwrap();
    assert_eq!((back.aspect, back.flat, &back.grey, back.local.points.len()), (f.aspect, f.flat, &f.grey, f.local.points.len()));
    assert_eq!(back.colour, f.colour);
    // version 2 (no chroma grid) still reads, and is written back as it was
    let mut v2 = f.to_bytes()[..BYTES].to_vec();
    v2[0] = 2;
    v2.extend_from_slice(&f.to_bytes()[BYTES + colour::BYTES..]);
    let old = Fingerprint::from_bytes(&v2).unwrap();
    assert!(old.colour.is_empty() && old.grey == f.grey && old.local.points.len() == f.local.points.len());
    assert_eq!(old.to_bytes(), v2);
    assert_eq!(verify(&old, &f, false).hue_mismatch, -1.0, "no evidence from a fingerprint without colour");
    // version 1 (the grid alone) still reads, without local features
    let mut v1 = f.to_bytes()[..BYTES].to_vec();
    v1[0] = 1;
    let old = Fingerprint::from_bytes(&v1).unwrap();
    assert!(old.local.points.is_empty() && old.grey == f.grey);
    assert!(Fingerprint::from_bytes(&f.to_bytes()[..BYTES]).is_err());
    assert!(Fingerprint::from_bytes(&[1, 2, 3]).is_err());
    let mut b = f.to_bytes();
    b[0] = 99;
    assert!(Fingerprint::from_bytes(&b).is_err());
}

#[test]
fn identical_turned_and_mirrored_copies_verify_with_their_transform() {
    let (w, h) = (120, 80);
    let img = picture(w, h, 1);
    let a = Fingerprint::from_rgb(&img, w, h).unwrap();
    assert!((a.aspect - 1.5).abs() < 0.01);
    let same = verify(&a, &a, false);
    assert!(same.score > 0.999 && same.transform == 0 && same.alignment == Alignment::Whole);
    let t = turn_rgb(&img, w, h);
    let b = Fingerprint::from_rgb(&t, h, w).unwrap();
    let v = verify(&a, &b, false);
    assert!(v.score > 0.98, "{v:?}");
    assert_eq!(v.transform, 1);
    assert!(v.aspect_mismatch < 0.01);
    let other = Fingerprint::from_rgb(&picture(w, h, 7), w, h).unwrap();
    assert!(verify(&a, &other, true).score < 0.8);
}

#[test]
fn a_look_alike_that_differs_in_one_place_has_one_bad_block() {
    let (w, h) = (160, 160);
    let img = picture(w, h, 3);
    let a = Fingerprint::from_rgb(&img, w, h).unwrap();
    let same = verify(&a, &a, false);
    assert!(same.block_worst < 1e-3 && same.block_mean < 1e-3, "{same:?}");
    // a badge painted over one corner (a 30 x 30 square)
    let mut badge = img.clone();
    for y in 10..40 {
        for x in 110..140 {
            badge[(y * w + x) * 3..(y * w + x) * 3 + 3].copy_from_slice(&[250, 20, 20]);
        }
    }
    let b = Fingerprint::from_rgb(&badge, w, h).unwrap();
    let v = verify(&a, &b, false);
    assert_eq!(v.alignment, Alignment::Whole);
    assert!(v.block_worst > 0.8 && v.block_worst > 5.0 * v.block_mean, "{v:?}");
    // turned copies are compared after the turn: no bad block
    let t = turn_rgb(&img, w, h);
    let c = verify(&a, &Fingerprint::from_rgb(&t, h, w).unwrap(), false);
    assert_eq!(c.transform, 1);
    assert!(c.block_worst < 0.3, "{c:?}");
    // nothing aligned whole: no block figures
    assert_eq!(block_residual(&vec![5.0; SIDE * SIDE], &a.grey.iter().map(|&x| x as f32).collect::<Vec<_>>()), (0.0, 0.0));
}

#[test]
fn the_chroma_grid_is_the_resampled_chroma_planes_without_them() {
    let (w, h) = (123, 77);
    let img = picture(w, h, 5);
    let (u, v) = colour::planes(&img);
    let cs = colour::SIDE;
    for region in [(0.0, 0.0, w as f32, h as f32), (3.5, 2.0, 120.0, 70.5)] {
        let from_planes = colour::to_bytes(&resample(&u, w, h, region, cs, cs), &resample(&v, w, h, region, cs, cs));
        assert_eq!(chroma_grid(&img, w, h, region), from_planes);
    }
}

#[test]
fn a_twin_in_other_colours_is_told_apart_by_its_hues() {
    let (w, h) = (160, 120);
    let img = picture(w, h, 4);
    let a = Fingerprint::from_rgb(&img, w, h).unwrap();
    // the same grey levels, every colour turned to its opposite (what the grids cannot see)
    let twin: Vec<u8> = img
        .chunks_exact(3)
        .flat_map(|p| {
            let (r, g, b) = (p[0] as f32, p[1] as f32, p[2] as f32);
            let y = 0.299 * r + 0.587 * g + 0.114 * b;
            let (r2, b2) = ((2.0 * y - r).clamp(0.0, 255.0), (2.0 * y - b).clamp(0.0, 255.0));
            let g2 = ((y - 0.299 * r2 - 0.114 * b2) / 0.587).clamp(0.0, 255.0);
            [r2 as u8, g2 as u8, b2 as u8]
        })
        .collect();
    let v = verify(&a, &Fingerprint::from_rgb(&twin, w, h).unwrap(), false);
    assert!(v.score > 0.9 && v.hue_mismatch > 0.8, "{v:?}");
    // a turned copy, and a crop, keep their hues; a grayscale copy gives no colour evidence
    let t = verify(&a, &Fingerprint::from_rgb(&turn_rgb(&img, w, h), h, w).unwrap(), false);
    assert!((0.0..0.05).contains(&t.hue_mismatch), "{t:?}");
    let c = crop(&img, w, (40, 30, 100, 80));
    let p = verify(&a, &Fingerprint::from_rgb(&c, 100, 80).unwrap(), true);
    assert!(p.alignment == Alignment::BInA && (0.0..0.1).contains(&p.hue_mismatch), "{p:?}");
    let grey: Vec<u8> = grey_of(&img).iter().flat_map(|&g| [g as u8; 3]).collect();
    assert_eq!(verify(&a, &Fingerprint::from_rgb(&grey, w, h).unwrap(), false).hue_mismatch, -1.0);
}

#[test]
fn a_crop_and_a_padded_copy_are_found_as_parts() {
    let (w, h) = (200, 160);
    let img = picture(w, h, 2);
    let a = Fingerprint::from_rgb(&img, w, h).unwrap();
    let c = crop(&img, w, (60, 40, 110, 90));
    let b = Fingerprint::from_rgb(&c, 110, 90).unwrap();
    let v = verify(&a, &b, true);
    assert!(v.score > 0.75 && v.alignment == Alignment::BInA, "{v:?}");
    assert!((v.area - 0.31).abs() < 0.12, "{v:?}");
    // padded with a uniform border: trimmed back to the picture itself
    let (pw, ph) = (300, 200);
    let mut pad = vec![255u8; pw * ph * 3];
    for y in 0..h {
        pad[((y + 20) * pw + 50) * 3..((y + 20) * pw + 50 + w) * 3].copy_from_slice(&img[y * w * 3..(y + 1) * w * 3]);
    }
    let p = Fingerprint::from_rgb(&pad, pw, ph).unwrap();
    assert!((p.aspect - a.aspect).abs() < 0.05, "{} vs {}", p.aspect, a.aspect);
    let whole = verify(&a, &p, false);
    assert!(whole.score > 0.95, "{whole:?}");
    // the content box's place in the image is stored (FLAG_BOX) and read back
    let want = [50.0 / 300.0, 20.0 / 200.0, 250.0 / 300.0, 180.0 / 200.0];
    assert!(p.content.iter().zip(want).all(|(c, w)| (c - w).abs() < 0.01), "{:?}", p.content);
    let bytes = p.to_bytes();
    assert_eq!(bytes[1] & FLAG_BOX, FLAG_BOX);
    let back = Fingerprint::from_bytes(&bytes).unwrap();
    assert!(back.content.iter().zip(p.content).all(|(x, y)| (x - y).abs() < 1e-4), "{:?}", back.content);
    assert_eq!(back.local.points.len(), p.local.points.len());
    assert_eq!(a.content, WHOLE_BOX);
    assert_eq!(a.to_bytes()[1] & FLAG_BOX, 0, "a picture that fills its image stores no box");
    // an empty box is corrupt
    let mut bad = bytes.clone();
    let at = bytes.len() - keypoints::HEADER_BYTES - p.local.points.len() * keypoints::POINT_BYTES - BOX_BYTES;
    bad[at..at + BOX_BYTES].fill(0);
    assert!(Fingerprint::from_bytes(&bad).is_err());
}

#[test]
fn degenerate_images_are_defined_and_never_copies() {
    let blank = Fingerprint::from_rgb(&vec![200u8; 50 * 40 * 3], 50, 40).unwrap();
    assert!(blank.flat);
    assert_eq!(verify(&blank, &blank, true).alignment, Alignment::None);
    let one = Fingerprint::from_rgb(&[1, 2, 3], 1, 1).unwrap();
    assert!(one.flat);
    let strip = picture(2000, 1, 3);
    let s = Fingerprint::from_rgb(&strip, 2000, 1).unwrap();
    assert!(s.aspect > 1000.0);
    let a = Fingerprint::from_rgb(&picture(64, 64, 1), 64, 64).unwrap();
    let _ = verify(&a, &s, true);
    assert!(Fingerprint::from_rgb(&[0; 5], 1, 1).is_err());
}

#[test]
fn verifying_one_picture_against_many_gives_each_pair_its_own_verdict() {
    let (w, h) = (200, 160);
    let img = picture(w, h, 2);
    let a = Fingerprint::from_rgb(&img, w, h).unwrap();
    let turned = turn_rgb(&img, w, h);
    let c = crop(&img, w, (60, 40, 110, 90));
    let others = vec![
        Fingerprint::from_rgb(&turned, h, w).unwrap(),
        Fingerprint::from_rgb(&c, 110, 90).unwrap(),
        Fingerprint::from_rgb(&picture(120, 120, 5), 120, 120).unwrap(),
        Fingerprint::from_rgb(&vec![90u8; 30 * 30 * 3], 30, 30).unwrap(),
        a.clone(),
    ];
    for flags in [0u32, 1, 2, 3] {
        let many = verify_many(&a, &others, &vec![flags; others.len()]);
        for (b, v) in others.iter().zip(&many) {
            assert_eq!(*v, verify_with(&a, b, flags & 1 != 0, flags & 2 != 0), "flags {flags}");
        }
    }
    for flags in [4u32, 5, 7] {
        let many = verify_many(&a, &others, &vec![flags; others.len()]);
        for (b, v) in others.iter().zip(&many) {
            assert_eq!(*v, verify_with(b, &a, flags & 1 != 0, flags & 2 != 0), "flags {flags}");
        }
    }
    let mixed = verify_many(&a, &others, &[3, 1, 0, 2, 3]);
    assert_eq!(mixed[1], verify_with(&a, &others[1], true, false));
    assert_eq!(mixed[1].alignment, Alignment::BInA);
    assert_eq!(mixed[0].transform, verify(&a, &others[0], false).transform);
    assert!(verify_many(&a, &[], &[]).is_empty());
    // a part search after the verdict, in the same call: a second verdict right after the pair's
    let also = verify_many(&a, &others, &[VERIFY_LOCAL, VERIFY_LOCAL | VERIFY_ALSO_PARTS, 0, VERIFY_ALSO_PARTS | VERIFY_COMMON_SECOND, 2]);
    assert_eq!(also.len(), 7);
    assert_eq!(also[0], verify_opts(&a, &others[0], false, true, false));
    assert_eq!(also[1], verify_opts(&a, &others[1], false, true, false));
    assert_eq!(also[2], verify_opts(&a, &others[1], true, false, false));
    assert_eq!(also[2].alignment, Alignment::BInA);
    assert_eq!(also[3], verify_opts(&a, &others[2], false, false, false));
    assert_eq!(also[4], verify_opts(&others[3], &a, false, false, false));
    assert_eq!(also[5], verify_opts(&others[3], &a, true, false, false));
    assert_eq!(also[6], verify_opts(&a, &others[4], false, true, false));
}

#[test]
fn gradients_are_central_differences_inside_and_one_sided_at_the_borders() {
    // the definition, pixel by pixel (what the vectorised `gradient` must equal exactly)
    fn reference(g: &[f32], w: usize, h: usize) -> Vec<f32> {
        let mut out = vec![0f32; w * h * 2];
        for y in 0..h {
            for x in 0..w {
                let (x0, x1) = (x.saturating_sub(1), (x + 1).min(w - 1));
                let (y0, y1) = (y.saturating_sub(1), (y + 1).min(h - 1));
                let dx = if x1 > x0 { (g[y * w + x1] - g[y * w + x0]) / (x1 - x0) as f32 } else { 0.0 };
                let dy = if y1 > y0 { (g[y1 * w + x] - g[y0 * w + x]) / (y1 - y0) as f32 } else { 0.0 };
                let m = (dx * dx + dy * dy).sqrt();
                let k = if m < EDGE_FLOOR { 0.0 } else { 1.0 / m.sqrt() };
                out[(y * w + x) * 2] = dx * k;
                out[(y * w + x) * 2 + 1] = dy * k;
            }
        }
        out
    }
    let mut s: u32 = 7;
    for (w, h) in [(64, 64), (32, 32), (16, 16), (1, 1), (1, 5), (5, 1), (2, 2), (37, 11), (5, 0), (0, 5)] {
        let g: Vec<f32> = (0..w * h)
            .map(|i| {
                s = s.wrapping_mul(1_103_515_245).wrapping_add(12345);
                if i % 7 == 0 { 100.0 } else { (s >> 16) as f32 % 256.0 * 0.9 }
            })
            .collect();
        assert_eq!(gradient(&g, w, h), reference(&g, w, h), "{w} x {h}");
    }
}

/// `rgb` (w x h) on a white canvas `scale` times its size, under a blue title bar and above a dark
/// line of "text" (what `inner::inner_box` looks for).
fn screenshot(rgb: &[u8], w: usize, h: usize, scale: f32) -> (Vec<u8>, usize, usize) {
    let (cw, ch) = ((w as f32 * scale) as usize, (h as f32 * scale) as usize);
    let mut out = vec![255u8; cw * ch * 3];
    let mut fill = |x0: usize, y0: usize, x1: usize, y1: usize, c: [u8; 3]| {
        for y in y0..y1.min(ch) {
            for x in x0..x1.min(cw) {
                out[(y * cw + x) * 3..(y * cw + x) * 3 + 3].copy_from_slice(&c);
            }
        }
    };
    fill(0, 0, cw, ch / 12, [60, 90, 160]);
    let (x0, y0) = ((cw - w) / 3, (ch - h) / 2);
    for k in 0..cw / 14 {
        fill(4 + k * 14, y0 + h + 6, 12 + k * 14, y0 + h + 16, [20, 20, 20]);
    }
    for y in 0..h {
        out[((y0 + y) * cw + x0) * 3..((y0 + y) * cw + x0 + w) * 3].copy_from_slice(&rgb[y * w * 3..(y + 1) * w * 3]);
    }
    (out, cw, ch)
}

#[test]
fn a_screenshot_keeps_its_inner_picture_and_verifies_against_it_both_ways() {
    let (w, h) = (120, 90);
    let pic = picture(w, h, 3);
    let (shot, cw, ch) = screenshot(&pic, w, h, 2.2);
    let a = Fingerprint::from_rgb(&pic, w, h).unwrap();
    let b = Fingerprint::from_rgb(&shot, cw, ch).unwrap();
    assert!(a.inner.is_none(), "a picture edge to edge has no inner picture");
    let inner = b.inner.clone().expect("the screenshot's inner picture");
    assert!(!inner.local.points.is_empty(), "the inner picture has local features of its own");
    let bytes = b.to_bytes();
    assert_eq!(bytes[0], 5, "written as version 5");
    let back = Fingerprint::from_bytes(&bytes).unwrap();
    let (bi, i) = (back.inner.as_ref().unwrap(), b.inner.as_ref().unwrap());
    assert!(bi.grey == i.grey && (bi.x, bi.w, bi.aspect) == (i.x, i.w, i.aspect) && back.grey == b.grey && back.colour == b.colour, "round trip of version 5");
    assert_eq!(bi.local.points.len(), i.local.points.len());
    assert_eq!(back.to_bytes(), bytes, "read and written again, the same bytes");
    assert_eq!(back.local.points.len(), b.local.points.len());
    // version 4 (no inner features) still reads, and verifies the same grids
    let mut v4 = b.clone();
    v4.inner.as_mut().unwrap().local = keypoints::Features::default();
    let v4_bytes = v4.to_bytes();
    assert_eq!((v4_bytes[0], v4_bytes.len()), (4, bytes.len() - (keypoints::HEADER_BYTES + inner.local.points.len() * keypoints::POINT_BYTES)));
    assert_eq!(Fingerprint::from_bytes(&v4_bytes).unwrap().to_bytes(), v4_bytes);
    // a version 5 cut short, or with its inner features' count past the end, is refused
    assert!(Fingerprint::from_bytes(&bytes[..bytes.len() - 1]).is_err());
    assert!(Fingerprint::from_bytes(&bytes[..bytes.len() - inner.local.points.len() * keypoints::POINT_BYTES - 3]).is_err());
    assert_eq!(a.to_bytes()[0], 3, "no inner picture: still version 3");
    // whole grids against the inner picture's, without the part search
    let v = verify(&a, &b, false);
    assert_eq!(v.alignment, Alignment::AInB, "{v:?}");
    assert!(v.score > 0.97, "{v:?}");
    assert!((v.area - inner.w * inner.h).abs() < 1e-6 && v.area < 0.5, "{v:?}");
    let r = verify(&b, &a, false);
    assert_eq!((r.alignment, r.transform), (Alignment::BInA, 0), "{r:?}");
    assert!((r.score - v.score).abs() < 1e-4, "{r:?} vs {v:?}");
    // the picture turned: found with its transform
    let turned = Fingerprint::from_rgb(&turn_rgb(&pic, w, h), h, w).unwrap();
    let t = verify(&turned, &b, false);
    assert_eq!((t.alignment, t.transform), (Alignment::AInB, 3), "{t:?}");
    assert!(t.score > 0.97, "{t:?}");
    // another picture does not align with it
    let other = Fingerprint::from_rgb(&picture(w, h, 7), w, h).unwrap();
    assert!(verify(&other, &b, false).score < 0.8);
    // a corrupt inner box is refused
    let mut bad = bytes.clone();
    bad[BYTES + colour::BYTES..BYTES + colour::BYTES + 4].copy_from_slice(&2.0f32.to_le_bytes());
    assert!(Fingerprint::from_bytes(&bad).is_err());
}

/// Rectangles of varied grey levels and sizes on grey: corners at several scales (w x h RGB).
fn blocks(w: usize, h: usize, seed: u64) -> Vec<u8> {
    let mut g = vec![128u8; w * h * 3];
    let mut r = crate::testing::xorshift(seed);
    for _ in 0..90 {
        let (x0, y0) = (r(w), r(h));
        let (rw, rh) = (6 + r(w / 6), 6 + r(h / 6));
        let v = [r(256) as u8, r(256) as u8, r(256) as u8];
        for y in y0..(y0 + rh).min(h) {
            for x in x0..(x0 + rw).min(w) {
                g[(y * w + x) * 3..(y * w + x) * 3 + 3].copy_from_slice(&v);
            }
        }
    }
    g
}

/// `rgb` (w x h) area-averaged to `sw` x `sh`.
fn shrink(rgb: &[u8], w: usize, h: usize, sw: usize, sh: usize) -> Vec<u8> {
    let planes: Vec<Vec<f32>> = (0..3)
        .map(|c| {
            let p: Vec<f32> = rgb.chunks_exact(3).map(|px| px[c] as f32).collect();
            resample(&p, w, h, (0.0, 0.0, w as f32, h as f32), sw, sh)
        })
        .collect();
    (0..sw * sh).flat_map(|i| (0..3).map(|c| planes[c][i].round().clamp(0.0, 255.0) as u8).collect::<Vec<u8>>()).collect()
}

#[test]
fn a_small_picture_on_a_busy_canvas_is_matched_by_its_own_local_features() {
    let (w, h) = (480, 360);
    let pic = blocks(w, h, 5);
    // the copy: the picture at 40 % under a caption of dark marks, on a canvas with rows of "text"
    let (sw, sh) = (192, 144);
    let (mut shot, cw, ch) = screenshot(&shrink(&pic, w, h, sw, sh), sw, sh, 2.5);
    let (x0, y0) = ((cw - sw) / 3, (ch - sh) / 2);
    for row in 0..4 {
        for k in 0..cw / 9 {
            let (mx, my) = (3 + k * 9, ch / 12 + 6 + row * 12);
            for y in my..my + 5 {
                for x in mx..(mx + 4 + (k * 7 + row) % 4).min(cw) {
                    shot[(y * cw + x) * 3..(y * cw + x) * 3 + 3].copy_from_slice(&[10, 10, 10]);
                }
            }
        }
    }
    let a = Fingerprint::from_rgb(&pic, w, h).unwrap();
    let b = Fingerprint::from_rgb(&shot, cw, ch).unwrap();
    let inner = b.inner.as_ref().expect("the canvas's inner picture");
    assert!(inner.local.points.len() > 50, "{}", inner.local.points.len());
    let without = verify_opts(&a, &b, false, true, false).local;
    let with = verify_opts(&a, &b, false, true, true).local;
    assert!(with.inliers >= 20 && with.inliers > without.inliers, "with the inner features {with:?}, without {without:?}");
    // the match is between the whole pictures: its map puts the picture's corners where the copy lies
    let (fx, fy) = (b.local.width as f32 / cw as f32, b.local.height as f32 / ch as f32);
    let (aw, ah) = (a.local.width as f32, a.local.height as f32);
    for (p, q) in [((0.0, 0.0), (x0, y0)), ((aw, ah), (x0 + sw, y0 + sh))] {
        let (u, v) = with.apply(p);
        assert!((u - q.0 as f32 * fx).abs() < 4.0 && (v - q.1 as f32 * fy).abs() < 4.0, "{p:?} -> {:?}, expected {q:?}", (u, v));
    }
    assert!(with.a_in_b > 0.95 && with.b_covered < 0.4, "{with:?}");
    assert!((with.scale - 0.4 * fx * aw / w as f32).abs() < 0.04, "{with:?}");
    // the same seen from the copy
    let back = verify_opts(&b, &a, false, true, true).local;
    assert_eq!(back.inliers, with.inliers);
    assert!(back.b_covered > 0.95 && back.a_in_b < 0.4, "{back:?}");
    // another picture does not match the copy's inner picture
    let other = Fingerprint::from_rgb(&blocks(w, h, 9), w, h).unwrap();
    assert!(verify_opts(&other, &b, false, true, true).local.inliers < 10);
}

#[test]
fn a_box_turns_and_mirrors_with_the_grid() {
    let (x, y, w, h) = (8usize, 16usize, 24usize, 8usize);
    let mut g = vec![0f32; SIDE * SIDE];
    for yy in y..y + h {
        for xx in x..x + w {
            g[yy * SIDE + xx] = 1.0;
        }
    }
    for t in 0..8u8 {
        let tg = transformed(&g, SIDE, t);
        let on: Vec<(usize, usize)> = (0..SIDE * SIDE).filter(|&i| tg[i] > 0.5).map(|i| (i % SIDE, i / SIDE)).collect();
        let (x0, y0) = (on.iter().map(|p| p.0).min().unwrap(), on.iter().map(|p| p.1).min().unwrap());
        let (x1, y1) = (on.iter().map(|p| p.0).max().unwrap() + 1, on.iter().map(|p| p.1).max().unwrap() + 1);
        let s = SIDE as f32;
        let got = turn_box((x as f32 / s, y as f32 / s, w as f32 / s, h as f32 / s), t);
        let want = (x0 as f32 / s, y0 as f32 / s, (x1 - x0) as f32 / s, (y1 - y0) as f32 / s);
        assert!((got.0 - want.0).abs() < 1e-5 && (got.1 - want.1).abs() < 1e-5 && (got.2 - want.2).abs() < 1e-5
            && (got.3 - want.3).abs() < 1e-5, "t {t}: {got:?} vs {want:?}");
    }
}

/// A document page (w x h RGB): dark "words" in lines on white, inside a white margin.
fn page(w: usize, h: usize, seed: u64) -> Vec<u8> {
    let mut out = vec![255u8; w * h * 3];
    let mut r = crate::testing::xorshift(seed);
    let (mx, my) = (w / 8, h / 10);
    let mut y = my;
    while y + 6 < h - my {
        let mut x = mx + r(12);
        while x + 10 < w - mx {
            let len = 8 + r(30);
            for yy in y..y + 5 {
                for xx in x..(x + len).min(w - mx) {
                    out[(yy * w + xx) * 3..(yy * w + xx) * 3 + 3].copy_from_slice(&[30, 30, 30]);
                }
            }
            x += len + 6;
        }
        y += 12 + r(3);
    }
    out
}

#[test]
fn a_page_letterboxed_on_a_dark_canvas_is_trimmed_to_its_text_as_the_page_alone_is() {
    let (w, h) = (400, 520);
    let p = page(w, h, 7);
    let a = Fingerprint::from_rgb(&p, w, h).unwrap();
    for (bg, (cw, ch), (x0, y0)) in [([0u8, 0, 0], (600, 780), (90, 130)), ([40, 40, 40], (700, 600), (211, 37))] {
        let mut c: Vec<u8> = bg.iter().copied().cycle().take(cw * ch * 3).collect();
        for y in 0..h {
            c[((y0 + y) * cw + x0) * 3..((y0 + y) * cw + x0 + w) * 3].copy_from_slice(&p[y * w * 3..(y + 1) * w * 3]);
        }
        // resized as a copy is (the page's edges blend into the canvas)
        let (sw, sh) = (cw * 5 / 7, ch * 5 / 7);
        let small = shrink(&c, cw, ch, sw, sh);
        let b = Fingerprint::from_rgb(&small, sw, sh).unwrap();
        assert!((b.aspect - a.aspect).abs() < 0.03, "aspect {} vs the page's {}", b.aspect, a.aspect);
        // the same text block: whole pictures, or all but the edges of one inside the other
        let v = verify(&a, &b, true);
        assert!(v.score > 0.95 && v.area > 0.95, "{v:?}");
    }
}

#[test]
fn tricolour_flags_are_compared_whole_not_on_their_plain_middle_stripe() {
    let flag = |c: [[u8; 3]; 3]| -> Vec<u8> { (0..240 * 160).flat_map(|i| c[(i % 240) * 3 / 240]).collect() };
    let romania = flag([[0, 43, 127], [252, 209, 22], [206, 17, 38]]);
    let guinea = flag([[206, 17, 38], [252, 209, 22], [0, 148, 96]]);
    let (r, g) = (Fingerprint::from_rgb(&romania, 240, 160).unwrap(), Fingerprint::from_rgb(&guinea, 240, 160).unwrap());
    assert_eq!(r.content, WHOLE_BOX, "the side stripes are the flag");
    // dark | bright | dark in grey both, so the grids correlate; the hues tell them apart (the
    // decision's colour veto is at 0.3), where their middle stripes alone were the same yellow
    let v = verify(&r, &g, true);
    assert!(v.hue_mismatch >= 0.5, "{v:?}");
}

#[test]
fn a_plain_stripe_or_a_sky_is_content_not_a_frame() {
    // three stripes: the edge trim keeps the middle one; no frame inside it is trimmed
    let (w, h) = (240, 160);
    let g: Vec<f32> = (0..w * h).map(|i| [40.0, 200.0, 120.0][(i % w) * 3 / w]).collect();
    assert_eq!(crate::grids::content_box(&g, w, h), (80, 0, 160, h));
    // a sky: plain rows above a busy ground, on the top side only
    let busy = picture(w, h, 4);
    let g: Vec<f32> = (0..w * h).map(|i| if i / w < 50 { 180.0 + (i / w) as f32 * 0.1 } else { busy[i * 3] as f32 }).collect();
    let (x0, y0, x1, y1) = crate::grids::content_box(&g, w, h);
    assert_eq!((x0, x1, y1), (0, w, h));
    assert!(y0 >= 49 && y0 <= 51, "{y0}");
}

#[test]
fn a_page_in_a_screenshot_is_compared_by_its_text_as_the_page_alone_is() {
    let (w, h) = (300, 390);
    let p = page(w, h, 11);
    let a = Fingerprint::from_rgb(&p, w, h).unwrap();
    // a dark window: a title bar, the page, a line of text under it
    let (cw, ch) = (620, 560);
    let mut c = vec![30u8; cw * ch * 3];
    let mut fill = |x0: usize, y0: usize, x1: usize, y1: usize, v: [u8; 3]| {
        for y in y0..y1 {
            for x in x0..x1 {
                c[(y * cw + x) * 3..(y * cw + x) * 3 + 3].copy_from_slice(&v);
            }
        }
    };
    fill(0, 0, cw, 40, [60, 90, 160]);
    for k in 0..20 {
        fill(10 + k * 16, 520, 22 + k * 16, 532, [230, 230, 230]);
    }
    let (x0, y0) = (170, 80);
    for y in 0..h {
        c[((y0 + y) * cw + x0) * 3..((y0 + y) * cw + x0 + w) * 3].copy_from_slice(&p[y * w * 3..(y + 1) * w * 3]);
    }
    let b = Fingerprint::from_rgb(&c, cw, ch).unwrap();
    let inner = b.inner.as_ref().expect("the page is the screenshot's inner picture");
    assert!((inner.aspect - a.aspect).abs() < 0.03, "the inner picture's aspect {} vs the page's {}", inner.aspect, a.aspect);
    let v = verify(&a, &b, true);
    assert_eq!(v.alignment, Alignment::AInB, "{v:?}");
    assert!(v.score > 0.95, "{v:?}");
}

#[test]
fn the_content_box_is_placed_to_a_fraction_of_a_working_pixel() {
    // a picture at (334, 213) on a black canvas of about four pixels to a working pixel, its
    // sides half-way between working pixels
    let (cw, ch) = (1000, 800);
    let (w, h) = (402, 277);
    let pic = picture(w, h, 5);
    let mut c = vec![0u8; cw * ch * 3];
    for y in 0..h {
        c[((213 + y) * cw + 334) * 3..((213 + y) * cw + 334 + w) * 3].copy_from_slice(&pic[y * w * 3..(y + 1) * w * 3]);
    }
    let f = Fingerprint::from_rgb(&c, cw, ch).unwrap();
    let want = [334.0 / 1000.0, 213.0 / 800.0, 736.0 / 1000.0, 490.0 / 800.0];
    assert!(f.content.iter().zip(want).all(|(c, w)| (c - w).abs() < 0.0008), "{:?} vs {want:?}", f.content);
    assert!((f.aspect - w as f32 / h as f32).abs() < 0.01, "{}", f.aspect);
}

#[test]
fn small_framed_images_of_every_size_are_defined() {
    // a dark frame, a white band, a mark: the frame trim's sides meet in small boxes
    for w in 1..24 {
        for h in 1..24 {
            let mut rgb = vec![0u8; w * h * 3];
            for y in 1..h.saturating_sub(1) {
                for x in 1..w.saturating_sub(1) {
                    let v = if (x + y) % 5 == 0 { 20 } else { 255 };
                    rgb[(y * w + x) * 3..(y * w + x) * 3 + 3].copy_from_slice(&[v, v, v]);
                }
            }
            let f = Fingerprint::from_rgb(&rgb, w, h).unwrap();
            assert!(f.content.iter().all(|v| v.is_finite() && (0.0..=1.0).contains(v)), "{w}x{h}: {:?}", f.content);
        }
    }
}

#[test]
fn a_copy_shrunk_to_a_few_dozen_pixels_is_compared_at_its_resolution() {
    let (w, h) = (100, 150);
    let big = blocks(w, h, 5);
    let fa = Fingerprint::from_rgb(&big, w, h).unwrap();
    let fb = Fingerprint::from_rgb(&shrink(&big, w, h, 24, 37), 24, 37).unwrap();
    // the grids as they are: the small one's enlarged from 24 x 37 pixels, blurred
    let g = |f: &Fingerprint| unit(&gradient(&f.grey.iter().map(|&v| v as f32).collect::<Vec<_>>(), SIDE, SIDE)).unwrap();
    let plain = dot(&g(&fa), &g(&fb));
    assert!(plain < 0.95, "{plain}");
    for (a, b) in [(&fa, &fb), (&fb, &fa)] {
        let v = verify(a, b, false);
        assert!(v.alignment == Alignment::Whole && v.score >= 0.97 && v.score > plain, "{v:?}");
    }
    // turned: the sizes are compared in the turned frame
    let turned = turn_rgb(&shrink(&big, w, h, 24, 37), 24, 37);
    let v = verify(&fa, &Fingerprint::from_rgb(&turned, 37, 24).unwrap(), false);
    assert!(v.transform % 2 == 1 && v.score >= 0.97, "{v:?}");
    // another picture shrunk as much is still another picture
    let other = Fingerprint::from_rgb(&shrink(&blocks(w, h, 6), w, h, 24, 37), 24, 37).unwrap();
    assert!(verify(&fa, &other, false).score < 0.6);
    // pictures of SIDE pixels or more on each side are compared as they are
    let mid = Fingerprint::from_rgb(&shrink(&big, w, h, 66, 99), 66, 99).unwrap();
    assert_eq!(verify(&fa, &mid, false).whole, dot(&g(&fa), &g(&mid)).clamp(-1.0, 1.0));
}
