//! The studentized range distribution: the range of `k` independent standard normals divided
//! by an independent `sqrt(chi^2_df / df)`, the null distribution of Tukey's HSD statistic.
//!
//! With `s = sqrt(chi^2_df / df)`, whose density is
//! `f_s(s) = df^(df/2) s^(df-1) exp(-df s^2 / 2) / (Gamma(df/2) 2^(df/2 - 1))`,
//!
//! `P(Q <= q) = int_0^inf f_s(s) k int phi(z) [Phi(z + q s) - Phi(z)]^(k-1) dz ds`
//!
//! (Lund & Lund, "Algorithm AS 190", Applied Statistics 32(2), 1983, eq. 1 and 2; the form
//! `scipy.stats.studentized_range` integrates). For `df >= 100000` the outer integral is
//! dropped (`s = 1`), as scipy does. The upper tail is integrated directly rather than as
//! `1 - cdf`: `1 - k int phi(z) B^(k-1) dz = k int phi(z) (A^(k-1) - B^(k-1)) dz` with
//! `A = 1 - Phi(z)` (`k int phi A^(k-1) = 1`) and `B = Phi(z + w) - Phi(z)`, and
//! `A^m - B^m = (1 - Phi(z + w)) sum_i A^(m-1-i) B^i` has no cancellation, so small p-values
//! keep their relative accuracy.
//!
//! Both integrals use composite 16-point Gauss-Legendre rules on fixed panels placed where the
//! integrands live, rather than adaptive quadrature: the outer one in `u = ln s`, whose
//! density `exp(c + df u - df e^(2u) / 2)` is close to a normal of standard deviation
//! `1 / sqrt(2 df)` for every `df`, over the `u` where it is within `e^-40` of its mode, in
//! panels of 3 standard deviations (at most 1 wide); the inner one over `z` in panels of
//! width 2, split at the peak `-w/2`, over the `z` where the integrand can exceed `e^-40`
//! of its largest value (`|z + w/2| <= 7`, `|z| <= 9.5`). Each p-value then costs a fixed
//! ~150 x ~160 integrand values, no error estimates and no bisection: 10 to 20 times fewer
//! than QUADPACK's `qag` strategy (Piessens et al., *QUADPACK*, Springer 1983) to 1e-12,
//! which the tests keep as the reference (agreement to 1e-10 absolute for 2 to 100 groups
//! and 2 to 10^6 degrees of freedom). scipy integrates with `nquad(epsabs=1e-11,
//! epsrel=1e-12)` and reports `sf = 1 - cdf`, so the two agree to about 1e-11 absolute
//! (tested to 1e-9), and [`ppf`] to about 1e-9 relative.

use crate::special::{ln_gamma, ndtr};

/// Nodes in (0, 1) of the 16-point Gauss-Legendre rule on [-1, 1] (the others are their
/// negatives), and their weights (Abramowitz & Stegun, *Handbook of Mathematical Functions*,
/// table 25.4; as `numpy.polynomial.legendre.leggauss(16)`).
const GL_X: [f64; 8] = [
    0.095_012_509_837_637_44,
    0.281_603_550_779_258_9,
    0.458_016_777_657_227_37,
    0.617_876_244_402_643_8,
    0.755_404_408_355_003,
    0.865_631_202_387_831_8,
    0.944_575_023_073_232_6,
    0.989_400_934_991_649_9,
];
const GL_W: [f64; 8] = [
    0.189_450_610_455_068_64,
    0.182_603_415_044_923_64,
    0.169_156_519_395_002_65,
    0.149_595_988_816_576_7,
    0.124_628_971_255_534_07,
    0.095_158_511_682_492_6,
    0.062_253_523_938_647_456,
    0.027_152_459_411_754_176,
];

/// `int_a^b f`, split at `cut` when it lies inside, each part in equal panels at most `width`
/// wide, each panel by the 16-point Gauss-Legendre rule.
fn gauss_legendre(f: &impl Fn(f64) -> f64, a: f64, b: f64, cut: f64, width: f64) -> f64 {
    let parts = if cut > a && cut < b {
        [(a, cut), (cut, b)]
    } else {
        [(a, b), (b, b)]
    };
    let mut total = 0.0;
    for (lo, hi) in parts {
        if hi <= lo {
            continue;
        }
        let panels = ((hi - lo) / width).ceil().clamp(1.0, 1e6);
        let half = 0.5 * (hi - lo) / panels;
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        for p in 0..panels as usize {
            #[allow(clippy::cast_precision_loss)]
            let centre = lo + half * (2.0 * p as f64 + 1.0);
            let sum: f64 = GL_X
                .iter()
                .zip(&GL_W)
                .map(|(x, w)| w * (f(centre - half * x) + f(centre + half * x)))
                .sum();
            total += sum * half;
        }
    }
    total
}

/// The integrands are negligible where their logarithm is `REACH` below their largest value.
const REACH: f64 = 40.0;

/// Beyond `|z| = 9.5` (`phi < 1e-19`) the integrands hold less than 1e-16 of either
/// integral; the upper tail's is at most `k (k - 1) phi(z) (1 - Phi(z + w))`, below
/// `e^-(z + w/2)^2` of its peak at `-w/2` (1e-21 at 7 from it), and the lower tail's at most
/// `k phi(z) min(1 - Phi(z), Phi(z + w))^(k-1)`, as small beyond `z = 7` and `-w/2 - 7`.
const Z_REACH: f64 = 9.5;
const Z_PEAK: f64 = 7.0;

fn phi(z: f64) -> f64 {
    (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// `Phi(z + w) - Phi(z)` without cancellation in the upper tail.
fn normal_mass(z: f64, w: f64) -> f64 {
    if z >= 0.0 {
        ndtr(-z) - ndtr(-z - w)
    } else {
        ndtr(z + w) - ndtr(z)
    }
}

/// `P(range of k standard normals <= w)` (`upper = false`) or `> w` (`upper = true`).
fn range_probability(w: f64, k: u32, upper: bool) -> f64 {
    let m = k - 1;
    let kf = f64::from(k);
    let integrand = |z: f64| {
        let b = normal_mass(z, w);
        if upper {
            let a = ndtr(-z);
            let c = ndtr(-z - w);
            let (mut sum, mut b_power) = (0.0, 1.0);
            for _ in 0..m {
                sum = sum * a + b_power;
                b_power *= b;
            }
            kf * phi(z) * c * sum
        } else {
            kf * phi(z) * b.powi(i32::try_from(m).unwrap_or(i32::MAX))
        }
    };
    let mid = -0.5 * w;
    let (lo, hi) = if upper {
        ((mid - Z_PEAK).min(-Z_REACH), (mid + Z_PEAK).min(Z_REACH))
    } else {
        ((mid - Z_PEAK).max(-Z_REACH), Z_PEAK)
    };
    gauss_legendre(&integrand, lo, hi, mid, 2.0)
}

/// `P(Q <= q)` (`upper = false`) or `P(Q > q)` for the studentized range with `k` groups and
/// `df` degrees of freedom.
fn probability(q: f64, k: u32, df: f64, upper: bool) -> f64 {
    if q.is_nan() || df.is_nan() || k < 2 || df <= 0.0 {
        return f64::NAN;
    }
    if q <= 0.0 {
        return if upper { 1.0 } else { 0.0 };
    }
    if q == f64::INFINITY {
        return if upper { 0.0 } else { 1.0 };
    }
    if df >= 100_000.0 {
        return range_probability(q, k, upper).clamp(0.0, 1.0);
    }
    let half = 0.5 * df;
    let log_const = half * df.ln() - ln_gamma(half) - (half - 1.0) * std::f64::consts::LN_2;
    // In u = ln s: log density (up to `log_const`) h(u) - df/2, h(0) = 0 its maximum.
    let h = |u: f64| df * (u - 0.5 * (2.0 * u).exp() + 0.5);
    // h falls like df (u + 1/2) to the left and like -df e^(2u) / 2 to the right.
    let (mut a, mut b) = (-REACH / df - 1.0, 0.0);
    while h(a) > -REACH {
        a *= 2.0;
    }
    for _ in 0..60 {
        let c = 0.5 * (a + b);
        if h(c) > -REACH { b = c } else { a = c }
    }
    let u_lo = a;
    let (mut a, mut b) = (0.0, 0.5 * (2.0 * (REACH / df + 1.0)).ln() + 1.0);
    for _ in 0..60 {
        let c = 0.5 * (a + b);
        if h(c) > -REACH { a = c } else { b = c }
    }
    let u_hi = b;
    let width = (3.0 * (0.5 / df).sqrt()).min(1.0);
    let integrand = |u: f64| {
        let d = (log_const + df * u - half * (2.0 * u).exp()).exp();
        if d == 0.0 {
            0.0
        } else {
            d * range_probability(q * u.exp(), k, upper)
        }
    };
    gauss_legendre(&integrand, u_lo, u_hi, 0.0, width).clamp(0.0, 1.0)
}

/// `P(Q <= q)`, as `scipy.stats.studentized_range.cdf(q, k, df)`.
pub fn cdf(q: f64, k: u32, df: f64) -> f64 {
    probability(q, k, df, false)
}

/// `P(Q > q)`, as `scipy.stats.studentized_range.sf(q, k, df)`.
pub fn sf(q: f64, k: u32, df: f64) -> f64 {
    probability(q, k, df, true)
}

/// The `p` quantile, as `scipy.stats.studentized_range.ppf(p, k, df)`: the root of
/// `cdf(q) = p` (of `sf(q) = 1 - p` for `p > 1/2`, more accurate there), bracketed by
/// doubling and found by the Illinois variant of regula falsi to 1e-13 relative.
pub fn ppf(p: f64, k: u32, df: f64) -> f64 {
    if p.is_nan() || !(0.0..=1.0).contains(&p) || k < 2 || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if p == 0.0 {
        return 0.0;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    // g increases in q and is 0 at the quantile.
    let g = |q: f64| {
        if p > 0.5 {
            (1.0 - p) - sf(q, k, df)
        } else {
            cdf(q, k, df) - p
        }
    };
    let (mut a, mut fa) = (0.0, g(0.0));
    let (mut b, mut fb) = (1.0, g(1.0));
    while fb < 0.0 {
        a = b;
        fa = fb;
        b *= 2.0;
        if b > 1e6 {
            return f64::INFINITY;
        }
        fb = g(b);
    }
    if fb == 0.0 {
        return b;
    }
    let mut side = 0;
    let mut previous = f64::NAN;
    for _ in 0..200 {
        let mut c = (a * fb - b * fa) / (fb - fa);
        if !(c > a && c < b) {
            c = 0.5 * (a + b);
        }
        if (c - previous).abs() <= 1e-13 * c || b - a <= 1e-13 * c {
            return c;
        }
        previous = c;
        let fc = g(c);
        if fc == 0.0 {
            return c;
        }
        if fc > 0.0 {
            b = c;
            fb = fc;
            if side == -1 {
                fa *= 0.5;
            }
            side = -1;
        } else {
            a = c;
            fa = fc;
            if side == 1 {
                fb *= 0.5;
            }
            side = 1;
        }
    }
    previous
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Kronrod nodes of the 21-point rule on [-1, 1] (QUADPACK `qk21`), the odd entries being the
    /// 10-point Gauss nodes; the last is the centre.
    const XGK: [f64; 11] = [
        0.995_657_163_025_808_1,
        0.973_906_528_517_171_7,
        0.930_157_491_355_708_2,
        0.865_063_366_688_984_5,
        0.780_817_726_586_416_9,
        0.679_409_568_299_024_4,
        0.562_757_134_668_604_7,
        0.433_395_394_129_247_2,
        0.294_392_862_701_460_2,
        0.148_874_338_981_631_2,
        0.0,
    ];
    /// Kronrod weights (QUADPACK `qk21`).
    const WGK: [f64; 11] = [
        0.011_694_638_867_371_874,
        0.032_558_162_307_964_73,
        0.054_755_896_574_351_996,
        0.075_039_674_810_919_95,
        0.093_125_454_583_697_6,
        0.109_387_158_802_297_64,
        0.123_491_976_262_065_85,
        0.134_709_217_311_473_33,
        0.142_775_938_577_060_08,
        0.147_739_104_901_338_5,
        0.149_445_554_002_916_9,
    ];
    /// 10-point Gauss weights for `XGK[1], XGK[3], ..., XGK[9]`.
    const WG: [f64; 5] = [
        0.066_671_344_308_688_14,
        0.149_451_349_150_580_6,
        0.219_086_362_515_982_04,
        0.269_266_719_309_996_35,
        0.295_524_224_714_752_87,
    ];

    /// The 21-point Kronrod estimate of `int_a^b f` and QUADPACK's estimate of its error: the
    /// distance `e` from the 10-point Gauss estimate, scaled as `qk21` scales it, `r min(1, (200 e
    /// / r)^1.5)` with `r` the integral of `|f - mean f|` (Piessens et al. 1983, 2.2.4): the
    /// Kronrod estimate is far more accurate than the Gauss one it is compared with.
    fn gauss_kronrod(f: &impl Fn(f64) -> f64, a: f64, b: f64) -> (f64, f64) {
        let centre = 0.5 * (a + b);
        let half = 0.5 * (b - a);
        let mut values = [0.0; 21];
        values[20] = f(centre);
        let mut kronrod = WGK[10] * values[20];
        let mut gauss = 0.0;
        for (j, x) in XGK[..10].iter().enumerate() {
            let (lo, hi) = (f(centre - half * x), f(centre + half * x));
            values[2 * j] = lo;
            values[2 * j + 1] = hi;
            kronrod += WGK[j] * (lo + hi);
            if j % 2 == 1 {
                gauss += WG[j / 2] * (lo + hi);
            }
        }
        let mean = 0.5 * kronrod;
        let mut spread = WGK[10] * (values[20] - mean).abs();
        for j in 0..10 {
            spread += WGK[j] * ((values[2 * j] - mean).abs() + (values[2 * j + 1] - mean).abs());
        }
        let spread = spread * half.abs();
        let mut error = ((kronrod - gauss) * half).abs();
        if spread != 0.0 && error != 0.0 {
            error = spread * (200.0 * error / spread).powf(1.5).min(1.0);
        }
        (kronrod * half, error)
    }

    /// `int f` over the segments between consecutive `points`, bisecting the interval with the
    /// largest error estimate until the estimates add up to at most `rel_tol |integral|` (or
    /// `abs_tol`), or 400 intervals.
    fn integrate(f: &impl Fn(f64) -> f64, points: &[f64], rel_tol: f64, abs_tol: f64) -> f64 {
        let mut parts: Vec<(f64, f64, f64, f64)> = points
            .windows(2)
            .filter(|w| w[1] > w[0])
            .map(|w| {
                let (v, e) = gauss_kronrod(f, w[0], w[1]);
                (w[0], w[1], v, e)
            })
            .collect();
        while parts.len() < 400 {
            let total: f64 = parts.iter().map(|p| p.2).sum();
            let error: f64 = parts.iter().map(|p| p.3).sum();
            if error <= abs_tol.max(rel_tol * total.abs()) {
                break;
            }
            let (worst, _) = parts.iter().enumerate().fold((0, -1.0), |best, (i, p)| {
                if p.3 > best.1 { (i, p.3) } else { best }
            });
            let (a, b, _, _) = parts[worst];
            let m = 0.5 * (a + b);
            if m <= a || m >= b {
                break;
            }
            let (v1, e1) = gauss_kronrod(f, a, m);
            let (v2, e2) = gauss_kronrod(f, m, b);
            parts[worst] = (a, m, v1, e1);
            parts.push((m, b, v2, e2));
        }
        parts.iter().map(|p| p.2).sum()
    }

    const REL_TOL: f64 = 1e-12;

    /// The former adaptive computation (QUADPACK's `qag` strategy to 1e-12 relative, in `s`),
    /// the reference the fixed rules are checked against.
    fn adaptive(q: f64, k: u32, df: f64, upper: bool) -> f64 {
        let m = k - 1;
        let kf = f64::from(k);
        let inner = |w: f64| {
            let integrand = |z: f64| {
                let a = ndtr(-z);
                let c = ndtr(-z - w);
                if upper {
                    let (b, mut sum, mut b_power) = (a - c, 0.0, 1.0);
                    for _ in 0..m {
                        sum = sum * a + b_power;
                        b_power *= b;
                    }
                    kf * phi(z) * c * sum
                } else {
                    kf * phi(z) * normal_mass(z, w).powi(i32::try_from(m).unwrap())
                }
            };
            let mid = -0.5 * w;
            let points = if upper {
                [mid - 10.0, mid, 0.0_f64.max(mid), 10.0]
            } else {
                [-10.0, mid.max(-10.0), 0.0, 10.0]
            };
            integrate(&integrand, &points, REL_TOL, 0.0)
        };
        let half = 0.5 * df;
        let log_const = half * df.ln() - ln_gamma(half) - (half - 1.0) * std::f64::consts::LN_2;
        let mode = ((df - 1.0).max(0.0) / df).sqrt();
        let reach = (150.0 / df).sqrt();
        let points = [(mode - reach).max(0.0), mode, mode + reach];
        let outer = |s: f64| {
            if s <= 0.0 {
                return 0.0;
            }
            (log_const + (df - 1.0) * s.ln() - half * s * s).exp() * inner(q * s)
        };
        integrate(&outer, &points, REL_TOL, 0.0)
    }

    #[test]
    fn fixed_rules_match_adaptive_quadrature() {
        let mut worst: f64 = 0.0;
        for k in [2, 5, 40] {
            for df in [2.0, 30.0, 1245.0, 50_000.0] {
                for q in [0.3, 3.0, 4.5, 15.0] {
                    for upper in [false, true] {
                        let want = adaptive(q, k, df, upper);
                        let got = probability(q, k, df, upper);
                        worst = worst.max((got - want).abs());
                        assert!(
                            (got - want).abs() < 1e-10,
                            "{k} {df} {q} {upper}: {got} {want}"
                        );
                    }
                }
            }
        }
        assert!(worst > 0.0);
    }

    #[test]
    fn the_rules_integrate_polynomials_exactly() {
        // Gauss-Legendre 16 is exact to degree 31, on any panels.
        let v = gauss_legendre(&|x: f64| x.powi(30), -1.0, 1.0, 0.3, 0.7);
        assert!((v - 2.0 / 31.0).abs() < 1e-15, "{v}");
        let total: f64 = 2.0 * GL_W.iter().sum::<f64>();
        assert!((total - 2.0).abs() < 1e-15);
        // Kronrod 21 is exact to degree 31, Gauss 10 to degree 19.
        let (v, _) = gauss_kronrod(&|x: f64| x.powi(30), -1.0, 1.0);
        assert!((v - 2.0 / 31.0).abs() < 1e-15, "{v}");
        let (v, e) = gauss_kronrod(&|x: f64| x.powi(18), -1.0, 1.0);
        assert!((v - 2.0 / 19.0).abs() < 1e-15 && e < 1e-15, "{v} {e}");
        let total: f64 = 2.0 * WGK[..10].iter().sum::<f64>() + WGK[10];
        assert!((total - 2.0).abs() < 1e-15);
        let total: f64 = 2.0 * WG.iter().sum::<f64>();
        assert!((total - 2.0).abs() < 1e-15);
    }

    #[test]
    fn matches_scipy() {
        // scipy.stats.studentized_range.{cdf, sf, ppf} (scipy 1.17.1).
        assert!((cdf(3.0, 3, 10.0) - 0.865_016_584_810_437_4).abs() < 1e-10);
        assert!((sf(3.0, 3, 10.0) - 0.134_983_415_189_562_58).abs() < 1e-10);
        assert!((ppf(0.95, 3, 10.0) - 3.876_776_750_013_158).abs() < 1e-9);
        assert!((sf(2.0, 2, 2.0) + cdf(2.0, 2, 2.0) - 1.0).abs() < 1e-12);
        assert!(sf(0.0, 4, 5.0) == 1.0 && cdf(f64::INFINITY, 4, 5.0) == 1.0);
        assert!(sf(1.0, 1, 5.0).is_nan() && ppf(1.5, 3, 5.0).is_nan());
    }
}
