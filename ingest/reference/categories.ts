/**
 * The 100 GlobalMart categories with the price range of their products (USD). Ranges are
 * wide on purpose: a shopper's basket mixes cheap and expensive categories, and the cheap
 * ones (under 5.00) are what card-testing fraud buys.
 */
export interface Category {
  name: string;
  minPrice: number;
  maxPrice: number;
}

const C = (name: string, minPrice: number, maxPrice: number): Category => ({ name, minPrice, maxPrice });

export const CATEGORIES: readonly Category[] = [
  // Electronics
  C("Smartphones", 99, 1500),
  C("Laptops", 299, 2500),
  C("Tablets", 79, 1200),
  C("Headphones", 9.99, 450),
  C("Smartwatches", 49, 800),
  C("Cameras", 99, 2200),
  C("Televisions", 149, 2500),
  C("Speakers", 19, 600),
  C("Gaming Consoles", 199, 700),
  C("Video Games", 4.99, 70),
  C("Computer Accessories", 4.99, 150),
  C("Networking", 19, 350),
  C("Storage Drives", 19, 400),
  C("Monitors", 99, 1200),
  C("Printers", 59, 600),
  C("Drones", 49, 1500),
  C("Smart Home", 14.99, 350),
  C("Car Electronics", 19, 500),
  C("Cables & Chargers", 2.99, 60),
  C("Mobile Apps", 0.99, 19.99),
  // Home
  C("Furniture", 49, 2200),
  C("Kitchen Appliances", 19, 900),
  C("Cookware", 9.99, 400),
  C("Bedding", 14.99, 350),
  C("Home Decor", 4.99, 300),
  C("Lighting", 9.99, 400),
  C("Storage & Organization", 4.99, 150),
  C("Cleaning Supplies", 1.99, 60),
  C("Bath", 2.99, 120),
  C("Garden Tools", 4.99, 250),
  C("Outdoor Furniture", 39, 1500),
  C("Grills", 49, 1200),
  C("Power Tools", 29, 600),
  C("Hand Tools", 3.99, 150),
  C("Paint & Supplies", 2.99, 120),
  C("Home Improvement", 4.99, 500),
  C("Large Appliances", 99, 2500),
  C("Vacuum Cleaners", 49, 800),
  C("Air Quality", 29, 600),
  C("Mattresses", 149, 2000),
  // Fashion
  C("Women's Clothing", 9.99, 300),
  C("Men's Clothing", 9.99, 300),
  C("Kids' Clothing", 4.99, 120),
  C("Shoes", 19, 350),
  C("Handbags", 19, 1200),
  C("Jewelry", 9.99, 2500),
  C("Watches", 19, 2000),
  C("Sunglasses", 9.99, 400),
  C("Fashion Accessories", 2.99, 150),
  C("Sportswear", 9.99, 200),
  C("Lingerie", 7.99, 120),
  C("Outerwear", 29, 600),
  // Health and beauty
  C("Skincare", 3.99, 150),
  C("Makeup", 2.99, 90),
  C("Fragrances", 14.99, 250),
  C("Hair Care", 2.99, 120),
  C("Vitamins & Supplements", 4.99, 90),
  C("Personal Care", 1.99, 80),
  C("Medical Supplies", 2.99, 300),
  C("Oral Care", 1.99, 200),
  // Sports and outdoors
  C("Fitness Equipment", 9.99, 2000),
  C("Cycling", 9.99, 2500),
  C("Camping & Hiking", 4.99, 600),
  C("Team Sports", 4.99, 250),
  C("Water Sports", 9.99, 1200),
  C("Winter Sports", 19, 900),
  C("Golf", 4.99, 1500),
  C("Fishing", 2.99, 500),
  C("Yoga", 4.99, 150),
  C("Running", 9.99, 250),
  // Toys and baby
  C("Toys", 2.99, 250),
  C("Board Games", 9.99, 120),
  C("Puzzles", 4.99, 60),
  C("Baby Gear", 9.99, 900),
  C("Baby Care", 2.99, 80),
  C("Educational Toys", 4.99, 150),
  // Media, office and hobbies
  C("Books", 2.99, 80),
  C("E-books", 0.99, 24.99),
  C("Music", 0.99, 60),
  C("Movies", 2.99, 40),
  C("Musical Instruments", 19, 3000),
  C("Art Supplies", 1.99, 200),
  C("Stationery", 0.99, 50),
  C("Office Supplies", 0.99, 300),
  C("Office Furniture", 49, 1200),
  // Food and pets
  C("Grocery", 0.99, 40),
  C("Beverages", 0.99, 60),
  C("Snacks", 0.99, 25),
  C("Coffee & Tea", 2.99, 80),
  C("Gourmet Food", 4.99, 200),
  C("Pet Food", 4.99, 120),
  C("Pet Supplies", 2.99, 300),
  C("Wine & Spirits", 7.99, 500),
  // Automotive, travel and more
  C("Auto Parts", 4.99, 900),
  C("Tires", 49, 400),
  C("Motorcycle Gear", 19, 900),
  C("Luggage", 29, 700),
  C("Gift Cards", 5, 500),
  C("Party Supplies", 0.99, 80),
  C("Crafts & Sewing", 0.99, 150),
];
