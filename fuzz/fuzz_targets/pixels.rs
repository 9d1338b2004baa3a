//! Arbitrary raster layouts (dimensions, strides, offsets, band positions, shifts, sample kinds)
//! over arbitrary sample arrays: conversion must return Ok or Err, never panic or read out of bounds.
#![no_main]
use imgsim::pixels::{to_rgb8, Format, Layout, Samples};
use imgsim::preprocess::{tensor_direct, to_tensor, Preprocess};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 16 {
        return;
    }
    let (h, rest) = data.split_at(16);
    let n = |i: usize, m: usize| h[i] as usize % m;
    let width = n(0, 64) + n(1, 4) * 64;
    let height = n(2, 48);
    let format = match h[3] % 3 {
        0 => Format::Packed {
            r_shift: (h[4] % 32) as u32,
            g_shift: (h[5] % 32) as u32,
            b_shift: (h[6] % 32) as u32,
            a_shift: if h[7] & 1 == 0 { None } else { Some((h[7] >> 1) as u32 % 32) },
        },
        1 => Format::Interleaved { r: n(4, 5), g: n(5, 5), b: n(6, 5), a: if h[7] & 1 == 0 { None } else { Some(n(7, 5)) } },
        _ => Format::Gray { band: n(4, 3) },
    };
    let layout = Layout {
        width,
        height,
        offset: n(8, 200),
        scanline_stride: n(9, 255) + n(10, 8) * 256,
        pixel_stride: n(11, 6),
        format,
        premultiplied: h[12] & 1 == 1,
    };
    let p = Preprocess { width: 1 + n(13, 40), height: 1 + n(14, 40), mean: [0.5; 3], std: [0.25; 3] };
    let mut out = Vec::new();
    let mut t = vec![0f32; p.tensor_len()];
    let ints: Vec<i32> = rest.chunks_exact(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    let shorts: Vec<u16> = rest.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
    let samples = match h[15] % 3 {
        0 => Samples::U8(rest),
        1 => Samples::U16(&shorts),
        _ => Samples::I32(&ints),
    };
    if to_rgb8(samples, &layout, &mut out).is_ok() {
        assert_eq!(out.len(), width * height * 3);
        let _ = to_tensor(&out, width, height, &p, &mut t);
    }
    let _ = tensor_direct(samples, &layout, &p, &mut t);
});
