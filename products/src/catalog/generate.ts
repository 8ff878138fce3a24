import { bySku } from "@route256/platform/compare";
import { seededRandom } from "@route256/platform/random";
import type { Product } from "./product.ts";

export const CATALOG_SIZE = 50_000;

/** Products the course's clients and tests know by sku, name and price: shipped exactly so. */
export const KNOWN_PRODUCTS: readonly Product[] = [
  { sku: 1076963n, name: "Теория нравственных чувств | Смит Адам", price: 3379 },
  { sku: 1148162n, name: "Кулинар Гуров", price: 2931 },
  { sku: 1625903n, name: "Сказки звездного неба", price: 1423 },
  { sku: 3596599n, name: "Невербальная коммуникация. Психология и право", price: 3386 },
  { sku: 135717466n, name: "Гигиеническая оценка питания", price: 4958 },
  { sku: 135937324n, name: "Пентаграмма | Несбе Ю", price: 4171 },
  { sku: 139275865n, name: "Платье oodji Collection", price: 634 },
  { sku: 139819069n, name: "Танки | Маврикис Питер", price: 2794 },
  { sku: 2958025n, name: "Roxy Music. Stranded. Remastered Edition", price: 1028 },
];

/** Every SKU of LOMS's stock fixture has a product, so carts can hold whatever LOMS can sell. */
export const STOCK_SKUS: readonly bigint[] = [
  139275865n,
  2956315n,
  1076963n,
  135717466n,
  135937324n,
  1625903n,
  1148162n,
  139819069n,
  139818428n,
  2618151n,
  2958025n,
  3596599n,
  3618852n,
  4288068n,
  4465995n,
  30816475n,
];

/** SKUs that tests use as "no such product": the generator never produces them. */
export const ABSENT_SKUS: readonly bigint[] = [404n, 999999n, 1076963000n, 9223372036854775807n];

const MIN_SKU = 1000;
const MAX_SKU = 140_000_000;

const ADJECTIVES = [
  "Тихий",
  "Северный",
  "Последний",
  "Зелёный",
  "Старый",
  "Новый",
  "Большой",
  "Маленький",
  "Далёкий",
  "Золотой",
  "Белый",
  "Синий",
  "Ночной",
  "Летний",
  "Осенний",
  "Горный",
  "Морской",
  "Городской",
];
const NOUNS = [
  "сад",
  "дом",
  "берег",
  "путь",
  "ветер",
  "город",
  "остров",
  "мост",
  "лес",
  "океан",
  "свет",
  "край",
  "двор",
  "парк",
  "час",
  "сон",
  "голос",
  "след",
];
const AUTHORS = [
  "Иванов Пётр",
  "Смирнова Анна",
  "Кузнецов Олег",
  "Попова Мария",
  "Васильев Игорь",
  "Петрова Ольга",
  "Соколов Денис",
  "Михайлова Вера",
  "Новиков Артём",
  "Фёдорова Нина",
  "Морозов Илья",
  "Волкова Дарья",
];
const GOODS = [
  "Кружка керамическая",
  "Футболка хлопковая",
  "Рюкзак городской",
  "Настольная лампа",
  "Блокнот в клетку",
  "Зонт складной",
  "Чайник электрический",
  "Наушники беспроводные",
  "Плед флисовый",
  "Термос стальной",
  "Коврик для йоги",
  "Подушка ортопедическая",
  "Набор карандашей",
  "Пазл 1000 элементов",
  "Кеды текстильные",
];
const BRANDS = [
  "oodji",
  "Gloria Jeans",
  "Zarina",
  "Befree",
  "Xiaomi",
  "Tefal",
  "Bork",
  "Ikea",
  "Lego",
  "Bosch",
];

/**
 * The catalog: the known products exactly, a product for every stock SKU, and generated products up
 * to `size`, sorted by sku. Same output for the same size, always.
 */
export function generateCatalog(size: number): Product[] {
  const random = seededRandom(256);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const products = new Map<bigint, Product>();
  const absent = new Set(ABSENT_SKUS);
  for (const p of KNOWN_PRODUCTS) products.set(p.sku, p);
  const generatedName = (): string => {
    switch (Math.floor(random() * 3)) {
      case 0:
        return `${pick(ADJECTIVES)} ${pick(NOUNS)} | ${pick(AUTHORS)}`;
      case 1:
        return `${pick(GOODS)} ${pick(BRANDS)}`;
      default:
        return `${pick(ADJECTIVES)} ${pick(NOUNS)}. Том ${1 + Math.floor(random() * 12)}`;
    }
  };
  const price = () => 100 + Math.floor(random() * 4900);
  for (const sku of STOCK_SKUS) {
    if (!products.has(sku)) products.set(sku, { sku, name: generatedName(), price: price() });
  }
  while (products.size < size) {
    const sku = BigInt(MIN_SKU + Math.floor(random() * (MAX_SKU - MIN_SKU)));
    if (products.has(sku) || absent.has(sku)) continue;
    products.set(sku, { sku, name: generatedName(), price: price() });
  }
  return [...products.values()].sort(bySku);
}
